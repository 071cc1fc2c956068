/** The real CLI (`src/cli.ts`) in its own process, found from Fastify's "Server listening at" line. */
import { spawn, type ChildProcess } from 'node:child_process'
import { ROOT } from '../support/processes.js'

export interface ServerProcess {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
}

export interface ServerProcessOptions {
  /** A command the CLI runs under, e.g. `['ip', 'netns', 'exec', name]` (which execs it: the child's pid is node's). */
  prefix?: string[]
}

/**
 * Starts the CLI with `env` on HOST 127.0.0.1 and a free port unless `env` says otherwise; resolves with the first
 * address it listens at.
 */
export async function startServerProcess (dataDir: string, env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, '--import', 'tsx', 'src/cli.ts']
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => { resolve(code) }) })
  const url = await new Promise<string>((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /Server listening at (http:\/\/[0-9.]+:\d+)/.exec(output)
      if (match !== null) {
        child.stdout?.off('data', onData)
        child.stdout?.resume()
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.once('exit', () => { reject(new Error(`the server exited before listening:\n${output.slice(-2000)}`)) })
  })
  return { child, url, exited }
}

export async function stopServerProcess (server: ServerProcess): Promise<number | null> {
  if (server.child.exitCode === null) server.child.kill('SIGTERM')
  return await server.exited
}
