/** A fan-out server child of bench/fanout.ts and bench/fanout-cluster.ts; `script` is relative to bench/. */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FromServer, ToServer } from '../fanout-protocol.js'

/** A fan-out server in a child process (with --expose-gc), driven over IPC (bench/fanout-protocol.ts). */
export class ServerChild {
  readonly #child: ChildProcess
  readonly #waiting: Array<(message: FromServer) => void> = []
  /** Server-side duration of each publish's fan-out loop, by round. */
  readonly loopMs = new Map<number, number>()
  port = 0

  constructor (script: string, env: Record<string, string>) {
    this.#child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(new URL(script, new URL('../', import.meta.url)))], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, ...env }
    })
    this.#child.on('message', (message: FromServer) => {
      if (message.type === 'published') this.loopMs.set(message.round, message.loopMs)
      else this.#waiting.shift()?.(message)
    })
  }

  async started (): Promise<void> {
    const message = await this.#next()
    if (message.type !== 'listening') throw new Error('server did not start')
    this.port = message.port
  }

  publish (round: number): void {
    const message: ToServer = { type: 'publish', round }
    this.#child.send(message)
  }

  async stats (): Promise<Extract<FromServer, { type: 'stats' }>> {
    const message: ToServer = { type: 'stats' }
    this.#child.send(message)
    const reply = await this.#next()
    if (reply.type !== 'stats') throw new Error('unexpected reply')
    return reply
  }

  async stop (): Promise<void> {
    if (this.#child.exitCode !== null) return
    const exited = new Promise((resolve) => this.#child.once('exit', resolve))
    this.#child.disconnect()
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  async #next (): Promise<FromServer> {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server child did not answer')), 30_000)
      this.#waiting.push((message) => { clearTimeout(timer); resolve(message) })
    })
  }
}
