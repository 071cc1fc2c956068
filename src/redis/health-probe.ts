/**
 * Is the shared store usable? A real round-trip, cached for `cacheMs` so health checks and readiness probes arriving
 * thousands of times a second cost Redis one command a second. While ioredis is reconnecting the answer is immediate
 * (no command is sent to a socket that is down). The command reads the keyspace (EXISTS) rather than PING: a Redis
 * restarting from its append-only file answers PING while it is still loading, but refuses reads and writes with
 * LOADING, so a PING said "ready" while charts still failed (test/cluster/redis-restart.test.ts).
 * A cached "reachable" never outlives the connection it was measured on: while the connection is not `ready` the
 * answer is "unreachable" at once, whatever the cache holds. Otherwise a Redis that stopped and came back within
 * `cacheMs` left readiness answering 200 from before the outage while ioredis was still reconnecting, and the next
 * chart failed to record (the replay-window case of test/cluster/redis-restart.test.ts).
 */
import type { Redis } from 'ioredis'
import { redactRedisUrl } from './connection.js'

/** A key never written: reading it is the cheapest command that needs the dataset loaded. */
const PROBE_KEY = 'chart-img-mcp:health-probe'

export interface RedisProbeResult {
  reachable: boolean
  /** Round-trip of the last probe (ms), null when it failed. */
  latencyMs: number | null
  /** Why Redis counts as unreachable, one plain sentence; null when reachable. */
  problem: string | null
}

export interface RedisHealthProbeOptions {
  url: string
  cacheMs?: number
  timeoutMs?: number
}

export class RedisHealthProbe {
  readonly #redis: Redis
  readonly #where: string
  readonly #cacheMs: number
  readonly #timeoutMs: number
  #last: RedisProbeResult = { reachable: true, latencyMs: null, problem: null }
  #checkedAt = Number.NEGATIVE_INFINITY
  #running: Promise<RedisProbeResult> | null = null

  constructor (redis: Redis, options: RedisHealthProbeOptions) {
    this.#redis = redis
    this.#where = redactRedisUrl(options.url)
    this.#cacheMs = options.cacheMs ?? 1000
    this.#timeoutMs = options.timeoutMs ?? 1000
  }

  /** The last known answer, without waiting; starts a new probe in the background when it is stale. */
  get lastProblem (): string | null {
    const disconnected = this.#disconnected()
    if (disconnected !== null) return disconnected.problem
    if (performance.now() - this.#checkedAt >= this.#cacheMs) this.check().catch(() => {})
    return this.#last.problem
  }

  /** A fresh enough answer: the cached one, or a probe now (concurrent callers share one). */
  async check (): Promise<RedisProbeResult> {
    const disconnected = this.#disconnected()
    if (disconnected !== null) return disconnected
    if (performance.now() - this.#checkedAt < this.#cacheMs) return this.#last
    this.#running ??= this.#probe().then((result) => {
      this.#last = result
      this.#checkedAt = performance.now()
      return result
    }).finally(() => { this.#running = null })
    return await this.#running
  }

  /**
   * Unreachable while the connection is down (no command sent, nothing cached: the first probe once it is `ready`
   * measures again); null when connected.
   */
  #disconnected (): RedisProbeResult | null {
    const status = this.#redis.status
    if (status === 'ready') return null
    this.#checkedAt = Number.NEGATIVE_INFINITY
    return this.#down(`not connected (${status})`)
  }

  async #probe (): Promise<RedisProbeResult> {
    const disconnected = this.#disconnected()
    if (disconnected !== null) return disconnected
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        this.#redis.exists(PROBE_KEY),
        new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${this.#timeoutMs} ms`)) }, this.#timeoutMs) })
      ])
      return { reachable: true, latencyMs: Math.round((performance.now() - started) * 100) / 100, problem: null }
    } catch (error) {
      return this.#down((error as Error).message)
    } finally {
      clearTimeout(timer)
    }
  }

  #down (why: string): RedisProbeResult {
    return { reachable: false, latencyMs: null, problem: `Redis at ${this.#where} is unreachable (${why})` }
  }
}
