/**
 * Is the shared store reachable? A real round-trip (PING), cached for `cacheMs` so health checks and readiness
 * probes arriving thousands of times a second cost Redis one PING a second. While ioredis is reconnecting the answer
 * is immediate (no command is sent to a socket that is down).
 */
import type { Redis } from 'ioredis'
import { redactRedisUrl } from './connection.js'

export interface RedisProbeResult {
  reachable: boolean
  /** Round-trip of the last PING (ms), null when it failed. */
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
    if (performance.now() - this.#checkedAt >= this.#cacheMs) this.check().catch(() => {})
    return this.#last.problem
  }

  /** A fresh enough answer: the cached one, or a PING now (concurrent callers share one). */
  async check (): Promise<RedisProbeResult> {
    if (performance.now() - this.#checkedAt < this.#cacheMs) return this.#last
    this.#running ??= this.#ping().then((result) => {
      this.#last = result
      this.#checkedAt = performance.now()
      return result
    }).finally(() => { this.#running = null })
    return await this.#running
  }

  async #ping (): Promise<RedisProbeResult> {
    const status = this.#redis.status
    if (status !== 'ready') return this.#down(`not connected (${status})`)
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        this.#redis.ping(),
        new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`no answer to PING within ${this.#timeoutMs} ms`)) }, this.#timeoutMs) })
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
