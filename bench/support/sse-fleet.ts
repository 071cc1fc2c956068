/**
 * The client side of the SSE fan-out benchmarks (bench/fanout.ts, bench/fanout-cluster.ts): raw-socket SSE clients in
 * the bench process, so a server's event loop measures only the server, and the open-file limit they need.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

const CONNECT_CONCURRENCY = 250

/** Soft and hard limits on open files (Linux /proc), or null elsewhere. */
function fileLimits (): { soft: number, hard: number } | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)))
    return Number.isFinite(soft) || soft === Infinity ? { soft, hard } : null
  } catch {
    return null
  }
}

/** Re-runs this command under `ulimit -n <hard>` when the soft limit is too low for N sockets (client side and server side). */
export function ensureFileLimit (needed: number): void {
  const limits = fileLimits()
  if (limits === null || limits.soft >= needed) return
  if (process.env.FANOUT_ULIMIT_RAISED === '1' || limits.hard < needed) {
    throw new Error(`need ${needed} open files, ulimit -n is ${limits.soft} (hard ${limits.hard}); run with fewer --clients or raise the hard limit`)
  }
  console.log(`raising ulimit -n from ${limits.soft} to ${limits.hard}`)
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${limits.hard} && exec "$@"`, 'sh', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, FANOUT_ULIMIT_RAISED: '1' }
  })
  child.once('exit', (code) => process.exit(code ?? 1))
  throw new ReExec()
}
/** Thrown after re-running under a higher limit: the caller ends quietly (the child does the work). */
export class ReExec extends Error {}

/** One SSE client on a raw socket: GET /mcp/events/<clientId>; after `event: connected` it only looks for the round's marker. */
export class Client {
  readonly socket: Socket
  connected = false
  arrival = 0
  #head = ''
  #tail: Buffer | null = null

  constructor (port: number, clientId: string, readonly fleet: Fleet, onConnected: (ok: boolean) => void, host = '127.0.0.1') {
    this.socket = connect(port, host)
    this.socket.setNoDelay(true)
    this.socket.on('error', () => { fleet.errors++ })
    this.socket.on('close', () => {
      if (!this.connected) onConnected(false)
      else if (!fleet.closing) fleet.dropped++
    })
    this.socket.write(`GET /mcp/events/${clientId} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`)
    this.socket.on('data', (chunk: Buffer) => {
      if (!this.connected) {
        this.#head += chunk.toString('latin1')
        if (this.#head.includes('event: connected')) {
          this.connected = true
          this.#head = ''
          onConnected(true)
        } else if (/^HTTP\/1\.1 [45]\d\d/.test(this.#head)) {
          this.socket.destroy()
        }
        return
      }
      const marker = fleet.marker
      if (marker === null || this.arrival !== 0) return
      const hay = this.#tail === null ? chunk : Buffer.concat([this.#tail, chunk])
      if (hay.includes(marker)) {
        this.arrival = performance.now()
        this.#tail = null
        fleet.arrived()
      } else {
        this.#tail = hay.subarray(Math.max(0, hay.length - marker.length))
      }
    })
  }
}

/** Many clients, and broadcast rounds timed from just before `publish` to each client's receipt. */
export class Fleet {
  clients: Client[] = []
  marker: Buffer | null = null
  errors = 0
  dropped = 0
  closing = false
  #arrivals = 0
  #allArrived: (() => void) | null = null

  /** Opens `count` more clients on `host`:`port` (channel ids `<prefix><n>`); resolves with how many failed. */
  async open (port: number, count: number, prefix: string, host = '127.0.0.1'): Promise<number> {
    let failed = 0
    let next = 0
    await new Promise<void>((resolve) => {
      let inFlight = 0
      const launch = (): void => {
        while (inFlight < CONNECT_CONCURRENCY && next < count) {
          inFlight++
          const id = `${prefix}${next++}`
          const client: Client = new Client(port, id, this, (ok) => {
            inFlight--
            if (ok) this.clients.push(client)
            else failed++
            if (next === count && inFlight === 0) resolve()
            else launch()
          }, host)
        }
      }
      launch()
    })
    return failed
  }

  /** One round: `publish` must make the server broadcast the event whose requestId is `bench-<round>`. */
  async round (publish: () => void, round: number): Promise<{ latencies: number[], missing: number }> {
    for (const client of this.clients) client.arrival = 0
    this.#arrivals = 0
    this.marker = Buffer.from(`"requestId":"bench-${round}"`)
    const all = new Promise<void>((resolve) => { this.#allArrived = resolve })
    const start = performance.now()
    publish()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([all, new Promise((resolve) => { timer = setTimeout(resolve, 10_000) })])
    clearTimeout(timer)
    this.marker = null
    const latencies = this.clients.filter((c) => c.arrival !== 0).map((c) => c.arrival - start)
    return { latencies, missing: this.clients.length - latencies.length }
  }

  arrived (): void {
    this.#arrivals++
    if (this.#arrivals === this.clients.length) this.#allArrived?.()
  }

  close (): void {
    this.closing = true
    for (const client of this.clients) client.socket.destroy()
    this.clients = []
  }
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}
