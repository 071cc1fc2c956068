/**
 * Stream-bound sessions served from any instance (REDIS_URL): the legacy HTTP+SSE transport (routes/mcp-legacy.ts)
 * and `GET /sse` streams (routes/sse-stream.ts). Their answers travel on the stream, which one instance holds; a POST
 * of the session may land on any instance behind a load balancer without stickiness (docker/nginx.conf).
 *
 * - While a stream is open, `<prefix>mcp:stream:<surface>:<id>` holds `{ owner, instance }` with a TTL refreshed by
 *   the holder (RECORD_TTL_MS, refreshed every third of it); it is deleted when the stream closes. An instance that
 *   dies leaves it to expire: POSTs then get 404 within RECORD_TTL_MS.
 * - A POST for a session held elsewhere is checked against the record (unknown/ended or another principal: 404, as a
 *   local one is) and its body, with the caller's principal, goes over the session relay (src/mcp/session-relay.ts,
 *   kind `post`) to the holder, which feeds it to the stream's transport as a local POST would.
 */
import type { Redis } from 'ioredis'
import type { McpAuthInfo } from '../auth/mcp-auth-info.js'
import type { RelayLogger, SessionRelay } from './session-relay.js'

/** The stream-bound session kinds. */
export type StreamSurface = 'legacy' | 'sse'

/** A message POSTed on another instance, for a stream held here. */
export interface RelayedPost {
  /** The parsed JSON body, already checked by the receiving instance (JSON-RPC shape, scopes). */
  body: unknown
  /** The caller's principal id; null in open mode. */
  principal: string | null
  /** The caller as MCP SDKs carry it (token left out: tools read only the principal and scopes). */
  authInfo?: McpAuthInfo
}

/** How an instance that holds a stream takes a relayed POST. */
export type RelayedPostHandler = (post: RelayedPost) => void

export const RECORD_TTL_MS = 30_000

interface StreamRecord {
  owner: string | null
  instance: string
}

export class RelayedStreams {
  readonly #redis: Redis
  readonly #relay: SessionRelay
  readonly #prefix: string
  readonly #tag: string
  readonly #log: RelayLogger
  /** Streams held here: their record (re-written on refresh, so a Redis restart loses none) and handler. */
  readonly #held = new Map<string, { value: string, handler: RelayedPostHandler }>()
  #refresh: NodeJS.Timeout | undefined

  constructor (options: { redis: Redis, relay: SessionRelay, keyPrefix: string, tag: string, log: RelayLogger }) {
    this.#redis = options.redis
    this.#relay = options.relay
    this.#prefix = `${options.keyPrefix}mcp:stream:`
    this.#tag = options.tag
    this.#log = options.log
  }

  #key (surface: StreamSurface, id: string): string {
    return `${this.#prefix}${surface}:${id}`
  }

  /**
   * Announces a stream opened here: POSTs for it on other instances reach `handler`. The returned function (call it
   * when the stream closes) deletes the record. Best effort: with Redis down, POSTs elsewhere get 404.
   */
  open (surface: StreamSurface, id: string, owner: string | null, handler: RelayedPostHandler): () => void {
    const key = this.#key(surface, id)
    const record: StreamRecord = { owner, instance: this.#tag }
    const held = { value: JSON.stringify(record), handler }
    this.#held.set(key, held)
    this.#redis.set(key, held.value, 'PX', RECORD_TTL_MS).catch((error: unknown) => { this.#warn(error, 'storing') })
    this.#startRefresh()
    return () => {
      if (this.#held.get(key) !== held) return
      this.#held.delete(key)
      this.#redis.del(key).catch((error: unknown) => { this.#warn(error, 'deleting') })
      if (this.#held.size === 0) this.#stopRefresh()
    }
  }

  /**
   * Relays a POST for a stream this instance does not hold: true when the session is open on another instance and
   * belongs to `post.principal` (the caller answers 202), false for an unknown, ended or another principal's one
   * (404). Rejects when Redis is unreachable.
   */
  async forward (surface: StreamSurface, id: string, post: RelayedPost): Promise<boolean> {
    const text = await this.#redis.get(this.#key(surface, id))
    if (text === null) return false
    const record = JSON.parse(text) as StreamRecord
    if (record.owner !== post.principal || record.instance === this.#tag) return false
    const authInfo = post.authInfo === undefined ? undefined : { ...post.authInfo, token: '' }
    this.#relay.publish({ kind: 'post', session: id, surface, to: record.instance, body: post.body, principal: post.principal, ...(authInfo === undefined ? {} : { authInfo }) })
    return true
  }

  /** A relayed POST from the session relay: handled when addressed to this instance and the stream is still here. */
  deliver (surface: StreamSurface, id: string, to: string, post: RelayedPost): void {
    if (to !== this.#tag) return
    this.#held.get(this.#key(surface, id))?.handler(post)
  }

  #startRefresh (): void {
    if (this.#refresh !== undefined) return
    this.#refresh = setInterval(() => {
      const pipeline = this.#redis.pipeline()
      for (const [key, { value }] of this.#held) pipeline.set(key, value, 'PX', RECORD_TTL_MS)
      pipeline.exec().catch((error: unknown) => { this.#warn(error, 'refreshing') })
    }, RECORD_TTL_MS / 3)
    this.#refresh.unref()
  }

  #stopRefresh (): void {
    clearInterval(this.#refresh)
    this.#refresh = undefined
  }

  #warn (error: unknown, doing: string): void {
    this.#log.warn({ err: (error as Error).message }, `${doing} a stream session record in Redis failed`)
  }

  /** Stops refreshing (shutdown); the records of streams still open expire by TTL. */
  close (): void {
    this.#stopRefresh()
    this.#held.clear()
  }
}
