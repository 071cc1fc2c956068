/**
 * Bench helpers: free ports, servers in child processes (so the load generator never shares their event loop),
 * and autocannon runs. Every child is killed when the bench ends.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

const children = new Set<ChildProcess>()
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })

/** Starts `node --import tsx <script>` with env, resolves when `url` answers (any status). */
export async function startServerProcess (script: string, env: Record<string, string>, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      await fetch(url)
      return child
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  child.kill('SIGKILL')
  throw new Error(`${script} did not start`)
}

export async function stopProcess (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  await new Promise<void>((resolve) => {
    child.once('exit', () => { resolve() })
    child.kill('SIGTERM')
    setTimeout(() => child.kill('SIGKILL'), 5000).unref()
  })
}

export interface LoadResult { requestsPerSecond: number, p50: number, p99: number, errors: number, non2xx: number }

export async function load (options: { url: string, method?: 'GET' | 'POST', body?: string, headers?: Record<string, string>, connections?: number, duration?: number }): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    body: options.body,
    headers: options.headers,
    connections: options.connections ?? 50,
    duration: options.duration ?? 8
  })
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx
  }
}
