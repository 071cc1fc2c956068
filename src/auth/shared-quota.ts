/**
 * Per-principal quotas on long-lived things (SSE channels, MCP sessions) counted across instances (REDIS_URL): each
 * slot held anywhere is a lease in `<prefix>quota:<kind>:<quota key>`, a sorted set whose members are
 * `<instance>:<n>` scored by the lease's expiry (ms). Taking a slot is one Lua script (drop expired leases, count,
 * add) so two instances cannot both take the last one. The instance holding a slot renews its lease every
 * leaseMs/3 and removes it on release; an instance that dies stops renewing, so its slots free themselves within
 * leaseMs. The local QuotaCounter (./quota.ts) still applies; this adds the other instances' slots to it.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface SharedQuotaOptions {
  redis: Redis
  keyPrefix: string
  /** How long a lease outlives its last renewal (an instance that vanished frees its slots after this). */
  leaseMs?: number
  log: { warn: (obj: object, msg: string) => void }
}

/** What is counted: MCP sessions, or the streams of one channel registry (`channel:events`, `channel:sse`). */
export type QuotaKind = 'mcp-session' | `channel:${string}`

// KEYS[1] the set; ARGV: now, max, expiry, member, key ttl (ms). Returns 1 when the slot was taken, else 0.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`

export class SharedQuota {
  readonly #redis: Redis
  readonly #keyPrefix: string
  readonly #leaseMs: number
  readonly #log: SharedQuotaOptions['log']
  readonly #instance = randomBytes(6).toString('hex')
  readonly #held = new Map<string, string>()
  readonly #renewal: NodeJS.Timeout
  #next = 0

  constructor (options: SharedQuotaOptions) {
    this.#redis = options.redis
    this.#keyPrefix = options.keyPrefix
    this.#leaseMs = options.leaseMs ?? 60_000
    this.#log = options.log
    this.#renewal = setInterval(() => { this.#renew() }, Math.max(100, Math.floor(this.#leaseMs / 3)))
    this.#renewal.unref()
  }

  /** Slots this instance holds now (all kinds and keys). */
  get held (): number {
    return this.#held.size
  }

  /**
   * Takes one of `max` slots of `kind` for `key` across all instances: its release (idempotent), or null when every
   * slot is taken. Redis unreachable: allowed (the local quota still holds), so an outage refuses nobody.
   */
  async acquire (kind: QuotaKind, key: string, max: number): Promise<(() => void) | null> {
    const setKey = `${this.#keyPrefix}quota:${kind}:${key}`
    const member = `${this.#instance}:${this.#next++}`
    const now = Date.now()
    let taken: unknown
    try {
      taken = await this.#redis.eval(ACQUIRE, 1, setKey, now, max, now + this.#leaseMs, member, this.#leaseMs)
    } catch (error) {
      this.#log.warn({ err: error, kind }, 'shared quota unreachable (Redis); counting this instance only')
      return () => {}
    }
    if (taken !== 1) return null
    this.#held.set(member, setKey)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#held.delete(member)
      this.#redis.zrem(setKey, member).catch((error: unknown) => {
        // The lease then expires by itself within leaseMs.
        this.#log.warn({ err: error, kind }, 'could not release a shared quota slot; it expires by itself')
      })
    }
  }

  #renew (): void {
    if (this.#held.size === 0) return
    const expiry = Date.now() + this.#leaseMs
    const pipeline = this.#redis.pipeline()
    for (const [member, setKey] of this.#held) {
      // Not XX: after a Redis restart (empty) the leases come back with the next renewal.
      pipeline.zadd(setKey, expiry, member)
      pipeline.pexpire(setKey, this.#leaseMs)
    }
    pipeline.exec().catch((error: unknown) => { this.#log.warn({ err: error }, 'could not renew shared quota leases') })
  }

  /** Stops renewing; leases still held expire by themselves (the process is ending). */
  close (): void {
    clearInterval(this.#renewal)
  }
}
