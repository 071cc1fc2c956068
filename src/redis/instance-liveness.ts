/**
 * This instance's identity in the shared state layer (REDIS_URL): one id, made here once per app, names the instance
 * in the chart history (which instance runs a request: src/history/redis-history.ts), in the MCP session relay (its
 * own channel, its server→client request ids: src/mcp/shared-sessions.ts) and in its liveness key.
 *
 * `<prefix>instance:<id>` exists while the instance runs: written at start, refreshed every `periodMs`, expiring
 * `LIVENESS_TTL_PERIODS × periodMs` after the last refresh. A SIGKILLed (or partitioned) instance stops refreshing and
 * its key expires; other instances then know that what it was doing will not finish. A clean shutdown deletes it.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

/** The key outlives this many missed refreshes: a slow event loop or a short Redis hiccup is not taken for a death. */
export const LIVENESS_TTL_PERIODS = 3

export interface LivenessLogger {
  debug: (obj: object, msg: string) => void
}

/** A new instance id: 12 hex digits (the form src/mcp/shared-sessions.ts tags server→client request ids with). */
export function newInstanceId (): string {
  return randomBytes(6).toString('hex')
}

export class InstanceLiveness {
  /** This instance's id. */
  readonly id = newInstanceId()
  /** How long the key lives after a refresh (ms). */
  readonly ttlMs: number
  readonly #redis: Redis
  readonly #prefix: string
  readonly #periodMs: number
  readonly #log: LivenessLogger
  readonly #onReady = (): void => { this.#beat() }
  #timer: NodeJS.Timeout | undefined

  constructor (options: { redis: Redis, keyPrefix: string, periodMs: number, log: LivenessLogger }) {
    this.#redis = options.redis
    this.#prefix = `${options.keyPrefix}instance:`
    this.#periodMs = options.periodMs
    this.ttlMs = options.periodMs * LIVENESS_TTL_PERIODS
    this.#log = options.log
  }

  /** The liveness key of instance `id`. */
  keyOf (id: string): string {
    return this.#prefix + id
  }

  /** Writes the key now and on every period; again as soon as the connection comes back after an outage. */
  start (): void {
    if (this.#timer !== undefined) return
    this.#beat()
    this.#timer = setInterval(() => { this.#beat() }, this.#periodMs)
    this.#timer.unref()
    this.#redis.on('ready', this.#onReady)
  }

  #beat (): void {
    this.#redis.set(this.keyOf(this.id), String(process.pid), 'PX', this.ttlMs).catch((error: unknown) => {
      // Redis unreachable: the health probe reports it; the next beat (or reconnection) writes the key again.
      this.#log.debug({ err: (error as Error).message }, 'refreshing the instance liveness key failed')
    })
  }

  /** Stops refreshing and deletes the key (best effort: with Redis down it expires by itself). */
  async close (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    this.#redis.off('ready', this.#onReady)
    await this.#redis.del(this.keyOf(this.id)).catch(() => {})
  }
}
