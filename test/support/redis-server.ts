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
  stop: () => Promise<void>
  /** Starts a new (empty) server on the same port after `stop` (an outage that ends); resolves when it accepts connections. */
  restart: () => Promise<void>
}

/**
 * Starts Debian's redis-server on 127.0.0.1 and a free port, without persistence, in `dir`; stopped in teardown.
 * Resolves when it accepts connections.
 */
export async function startRedis (t: { teardown: (fn: () => Promise<void>) => void }, dir: string): Promise<RedisServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    let child = spawnRedis(port, dir)
    let stop = stopper(child)
    try {
      await waitForReady(child, port)
      t.teardown(async () => { await stop() })
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: async () => { await stop() },
        async restart () {
          await stop()
          child = spawnRedis(port, dir)
          stop = stopper(child)
          await waitForReady(child, port)
        }
      }
    } catch (err) {
      await stop()
      if (attempt >= 2) throw err
    }
  }
}

function spawnRedis (port: number, dir: string): ChildProcess {
  return spawn('/usr/bin/redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
}

function stopper (child: ChildProcess): () => Promise<void> {
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit').then(() => {})
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
}

async function waitForReady (child: ChildProcess, port: number): Promise<void> {
  let output = ''
  child.stdout?.on('data', (chunk) => { output += String(chunk) })
  child.stderr?.on('data', (chunk) => { output += String(chunk) })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output}`)
    if (await ping(port)) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`redis-server did not start on ${port}: ${output}`)
}

async function ping (port: number): Promise<boolean> {
  const { connect } = await import('node:net')
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.setTimeout(500, () => { socket.destroy(); resolve(false) })
    socket.on('error', () => resolve(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (chunk) => {
      reply += String(chunk)
      if (reply.includes('\r\n')) { socket.destroy(); resolve(reply.startsWith('+PONG')) }
    })
  })
}
