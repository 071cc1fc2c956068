/**
 * Is the shared store usable? A real round-trip, cached for `cacheMs` so health checks and readiness probes arriving
 * thousands of times a second cost Redis one command a second (src/cached-probe.ts). While ioredis is reconnecting the
 * answer is immediate (no command is sent to a socket that is down). The command reads the keyspace (EXISTS) rather than PING: a Redis
 * restarting from its append-only file answers PING while it is still loading, but refuses reads and writes with
 * LOADING, so a PING said "ready" while charts still failed (test/cluster/redis-restart.test.ts).
 * While the connection is not `ready` the answer is "unreachable" at once, whatever the cache holds. Otherwise a Redis
 * that stopped and came back within `cacheMs` left readiness answering 200 from before the outage while ioredis was
 * still reconnecting, and the next chart failed to record (the replay-window case of test/cluster/redis-restart.test.ts).
 */
import type { Redis } from 'ioredis'
import { cachedProbe, type CachedProbe } from '../cached-probe.js'
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
  readonly #timeoutMs: number
  readonly #cached: CachedProbe<RedisProbeResult>

  constructor (redis: Redis, options: RedisHealthProbeOptions) {
    this.#redis = redis
    this.#where = redactRedisUrl(options.url)
    this.#timeoutMs = options.timeoutMs ?? 1000
    this.#cached = cachedProbe(async () => await this.#probe(), { ttlMs: options.cacheMs ?? 1000 })
  }

  /** The last known answer, without waiting; starts a new probe in the background when it is stale. */
  get lastProblem (): string | null {
    return this.#disconnected()?.problem ?? this.#cached.peek()?.problem ?? null
  }

  /** A fresh enough answer: the cached one, or a probe now (concurrent callers share one). */
  async check (): Promise<RedisProbeResult> {
    return this.#disconnected() ?? await this.#cached.get()
  }

  /**
   * Unreachable while the connection is down, whatever the cache holds (no command is sent); null when connected.
   * A cached "reachable" may serve again once ioredis is `ready`: its ready check waits for a restarted Redis to have
   * loaded its data, which is what the probe's EXISTS would wait for.
   */
  #disconnected (): RedisProbeResult | null {
    const status = this.#redis.status
    return status === 'ready' ? null : this.#down(`not connected (${status})`)
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
