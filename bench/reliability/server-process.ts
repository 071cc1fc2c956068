/** The real CLI (`src/cli.ts`) in its own process, found from Fastify's "Server listening at" line. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { ROOT } from '../support/processes.js'

export interface ServerProcess {
  child: ChildProcess
  url: string
  exited: Promise<number | null>
}

/**
 * The fault suite drives the server from one address as one anonymous principal, so the per-principal limits
 * (security, issue 9: 100 channels, 100 sessions, 1,200 requests a minute) would refuse most of its load before the
 * scenario's subject is reached. They are lifted here; test/security is where they are the subject.
 */
export const LOAD_LIMITS: Record<string, string> = {
  RATE_LIMIT_MAX: '0',
  SSE_CHANNELS_PER_PRINCIPAL: '1000000',
  MCP_SESSIONS_PER_PRINCIPAL: '1000000'
}

/** What a scenario may add to the server process. */
export interface ServerProcessOptions {
  /** A command the CLI runs under, e.g. `['ip', 'netns', 'exec', name]` (which execs it: the child's pid is node's). */
  prefix?: string[]
  /** Node flags before the script (e.g. `--import <probe>`), after tsx's own `--import`. */
  nodeArgs?: string[]
  /** Every line the server writes on stdout (pino's JSON log lines) after it listens; otherwise they are discarded. */
  onLine?: (line: string) => void
}

/**
 * Starts the CLI with `env` on HOST 127.0.0.1 and a free port unless `env` says otherwise; resolves with the first
 * address it listens at.
 */
export async function startServerProcess (dataDir: string, env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, '--import', 'tsx', ...(options.nodeArgs ?? []), 'src/cli.ts']
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', ...LOAD_LIMITS, ...env },
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
        const { onLine } = options
        if (onLine === undefined || child.stdout === null) child.stdout?.resume()
        else createInterface({ input: child.stdout }).on('line', onLine)
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

/** The process's resident set size (bytes), from /proc (Linux). */
export async function rssOf (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)
  return kb === null ? 0 : Number(kb[1]) * 1024
}
