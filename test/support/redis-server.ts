import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'

/** A TCP port that was free a moment ago (listen on 0, read, close). Callers retry if it was taken meanwhile. */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface RedisServer {
  url: string
  port: number
  /** Stops the server (SIGTERM: with `appendonly` it writes its AOF first). Safe to call twice. */
  stop: () => Promise<void>
  /**
   * Stops it if running, then starts it again on the same port and directory (an outage that ends): empty, or with
   * its data when `appendonly`. Resolves when it accepts connections.
   */
  restart: () => Promise<void>
}

export interface RedisOptions {
  /** Addresses to listen on (the first one is in `url`). Default 127.0.0.1. */
  bind?: string[]
  /** Persist to an append-only file in `dir`, so data survives `stop` + `start` (as in docker/compose.yaml). */
  appendonly?: boolean
}

/**
 * Starts Debian's redis-server on 127.0.0.1 (or `options.bind`) and a free port, in `dir`, without persistence
 * unless `options.appendonly`; stopped in teardown. Resolves when it accepts connections.
 */
export async function startRedis (t: { teardown: (fn: () => Promise<void>) => void }, dir: string, options: RedisOptions = {}): Promise<RedisServer> {
  const bind = options.bind ?? ['127.0.0.1']
  const spawnOn = (port: number): ChildProcess => spawn('/usr/bin/redis-server', [
    '--port', String(port), '--bind', bind.join(' '), '--save', '', '--appendonly', options.appendonly === true ? 'yes' : 'no',
    '--dir', dir, '--loglevel', 'warning',
    // Protected mode refuses every non-loopback client of a server without a password: off when the test binds one.
    '--protected-mode', bind.every((address) => address === '127.0.0.1') ? 'yes' : 'no'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    let child = spawnOn(port)
    let stopChild = stopper(child)
    try {
      await waitForReady(child, port, bind[0])
      const server: RedisServer = {
        url: `redis://${bind[0]}:${port}`,
        port,
        stop: async () => { await stopChild() },
        restart: async () => {
          await stopChild()
          child = spawnOn(port)
          stopChild = stopper(child)
          await waitForReady(child, port, bind[0])
        }
      }
      t.teardown(server.stop)
      return server
    } catch (err) {
      await stopChild()
      if (attempt >= 2) throw err
    }
  }
}

function stopper (child: ChildProcess): () => Promise<void> {
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => {})
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
}

async function waitForReady (child: ChildProcess, port: number, host: string): Promise<void> {
  let output = ''
  child.stdout?.on('data', (chunk) => { output += String(chunk) })
  child.stderr?.on('data', (chunk) => { output += String(chunk) })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output}`)
    if (await ping(port, host)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not start on ${port}: ${output}`)
}

/** Ready: answers, and has finished loading its dataset (PING already answers while an append-only file loads). */
async function ping (port: number, host: string): Promise<boolean> {
  const { connect } = await import('node:net')
  return await new Promise((resolve) => {
    const socket = connect(port, host)
    let reply = ''
    socket.setTimeout(500, () => { socket.destroy(); resolve(false) })
    socket.on('error', () => resolve(false))
    socket.on('connect', () => socket.write('INFO persistence\r\n'))
    socket.on('data', (chunk) => {
      reply += String(chunk)
      if (reply.startsWith('-')) { socket.destroy(); resolve(false) }
      const loading = /loading:(\d)/.exec(reply)
      if (loading !== null) { socket.destroy(); resolve(loading[1] === '0') }
    })
  })
}
