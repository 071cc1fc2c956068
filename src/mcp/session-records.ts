/**
 * 2025-era MCP sessions in Redis (REDIS_URL), so that every instance serves every session: what an instance needs to
 * rebuild a session it has never seen — the client's `initialize` request (negotiated version, client capabilities
 * and info), the log level, the resource subscriptions, the owner — and its last use.
 *
 * - `<prefix>mcp:session:<id>` hash {owner, initialize, logLevel?, stream?, lastUse}; `<prefix>mcp:session:<id>:subs`
 *   set of subscribed URIs. `stream` is the id of the instance that last opened the session's standalone GET stream:
 *   the one its events and resource updates go to (src/mcp/shared-sessions.ts). Both keys expire `idleMs` after the
 *   last use: an idle session ends by itself (404 afterwards), on every instance at once, and nothing is left behind.
 * - A session ends only by DELETE (`remove`) or idle expiry; an instance stopping or dying ends nothing.
 */
import type { Redis } from 'ioredis'

export interface SessionRecord {
  /** The principal that opened the session; null in open mode. */
  owner: string | null
  /** The client's initialize request, as JSON. */
  initialize: string
  /** The level set by `logging/setLevel`, if any. */
  logLevel?: string
  /** The instance that last opened the session's standalone GET stream, if any did. */
  stream?: string
  /** URIs of `resources/subscribe`. */
  subscriptions: string[]
  /** Epoch ms of the last request. */
  lastUse: number
}

// Refreshes both keys' TTL and the last use, in one round trip; the owner of a live session, false for an ended one.
// (HSET would re-create an expired hash, hence the PEXPIRE check first.)
const TOUCH = `
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'lastUse', ARGV[2])
return redis.call('HGET', KEYS[1], 'owner')
`

export class SessionRecords {
  readonly #redis: Redis
  readonly #prefix: string
  readonly #idleMs: number

  constructor (options: { redis: Redis, keyPrefix: string, idleMs: number }) {
    this.#redis = options.redis
    this.#prefix = `${options.keyPrefix}mcp:session:`
    this.#idleMs = options.idleMs
  }

  #keys (id: string): [string, string] {
    return [this.#prefix + id, `${this.#prefix}${id}:subs`]
  }

  async create (id: string, owner: string | null, initialize: unknown): Promise<void> {
    const [key] = this.#keys(id)
    await this.#redis.multi()
      .hset(key, { owner: JSON.stringify(owner), initialize: JSON.stringify(initialize), lastUse: String(Date.now()) })
      .pexpire(key, this.#idleMs)
      .exec()
  }

  /** Marks the session used now; its owner (`{ owner }`), or null when it ended (DELETE, idle expiry) or never was. */
  async touch (id: string): Promise<{ owner: string | null } | null> {
    const owner = await this.#redis.eval(TOUCH, 2, ...this.#keys(id), String(this.#idleMs), String(Date.now())) as string | null
    return typeof owner === 'string' ? { owner: JSON.parse(owner) as string | null } : null
  }

  async load (id: string): Promise<SessionRecord | null> {
    const [key, subs] = this.#keys(id)
    const results = await this.#redis.multi().hgetall(key).smembers(subs).exec()
    const fields = results?.[0]?.[1] as Record<string, string> | undefined
    if (fields?.initialize === undefined || fields.owner === undefined) return null
    return {
      owner: JSON.parse(fields.owner) as string | null,
      initialize: fields.initialize,
      ...(fields.logLevel === undefined ? {} : { logLevel: fields.logLevel }),
      ...(fields.stream === undefined ? {} : { stream: fields.stream }),
      subscriptions: (results?.[1]?.[1] as string[] | undefined) ?? [],
      lastUse: Number(fields.lastUse)
    }
  }

  async setLogLevel (id: string, level: string): Promise<void> {
    await this.#setField(id, 'logLevel', level)
  }

  /** `instance` holds the session's standalone GET stream now. */
  async setStreamHolder (id: string, instance: string): Promise<void> {
    await this.#setField(id, 'stream', instance)
  }

  async #setField (id: string, field: string, value: string): Promise<void> {
    const [key] = this.#keys(id)
    // Only on a live session: HSET alone would re-create an ended one without its handshake.
    await this.#redis.eval("if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1", 1, key, field, value)
  }

  async setSubscribed (id: string, uri: string, subscribed: boolean): Promise<void> {
    const [, subs] = this.#keys(id)
    if (!subscribed) {
      await this.#redis.srem(subs, uri)
      return
    }
    await this.#redis.multi().sadd(subs, uri).pexpire(subs, this.#idleMs).exec()
  }

  async remove (id: string): Promise<void> {
    await this.#redis.del(...this.#keys(id))
  }
}
