/**
 * 2025-era MCP sessions that every instance serves (REDIS_URL). The session lives in Redis (src/mcp/session-records.ts);
 * each instance that gets a request of it holds a local copy — an McpServer and an SDK transport — built on first use.
 *
 * Rebuilding a session an instance has never seen uses only the SDK's public API: a Web Standard transport
 * (`WebStandardStreamableHTTPServerTransport`, served over node:http with the SDK's `toNodeHandler`) given the
 * session's own id, into which the client's stored `initialize`, `notifications/initialized`, `logging/setLevel` and
 * `resources/subscribe` requests are replayed through `handleRequest` (their answers discarded, nothing stored). The
 * server then knows the negotiated version, client capabilities, log level and subscriptions as if the client had
 * sent them here. (The SDK has no API to restore a session's state; writing its private fields was the alternative.)
 *
 * Between the copies (src/mcp/session-relay.ts):
 * - the instance that last opened the session's standalone GET stream is its holder, named in the session record and
 *   announced to the other copies; events of that stream are stored in Redis (src/mcp/redis-event-store.ts) by
 *   whichever copy sends them and relayed to the holder alone, which writes them with their stored id;
 * - `notifications/resources/updated`, which every copy watching the resource would send on hearing the chart
 *   complete, is sent by the holder only (no per-notification Redis write to tell the copies apart): a copy that takes
 *   a `resources/(un)subscribe` relays it to the holder, and a copy becoming holder catches up from the session record;
 * - server→client request ids are tagged with the instance (`<tag>~<id>`), so the client's answer, POSTed to any
 *   instance, reaches the copy that asked;
 * - `notifications/cancelled` reaches the copy running the request;
 * - DELETE ends every copy; an idle session ends by Redis TTL (the next request anywhere gets 404).
 */
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { WebStandardStreamableHTTPServerTransport, type JSONRPCMessage, type McpServer } from '@modelcontextprotocol/server'
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node'
import type { McpAuthInfo } from '../auth/mcp-auth-info.js'
import { RedisEventStore, STANDALONE_STREAM_ID } from './redis-event-store.js'
import { RelayedStreams } from './relayed-streams.js'
import { SessionRecords } from './session-records.js'
import { SessionRelay, type RelayLogger, type RelayMessage } from './session-relay.js'

export interface SharedSessionsLogger extends RelayLogger {
  info: (obj: object, msg: string) => void
}

export interface SharedSessionsOptions {
  /** This instance's id (src/redis/instance-liveness.ts): its relay channel, the tag of its server→client request ids. */
  instanceId: string
  redis: Redis
  subscriber: Redis
  keyPrefix: string
  idleMs: number
  log: SharedSessionsLogger
  createServer: () => McpServer
  jsonResponse: boolean
  keepAliveMs: number
  retryMs: number
}

/** What the instance registers a local copy with (its session table: cap, idle reaping, close on shutdown). */
export interface LocalCopyHooks {
  /** The copy is ready (a new session initialized, or a rebuilt one). */
  added: (session: SharedSession) => void
  /** The copy closed (DELETE, ended elsewhere, reaped idle, shutdown). */
  removed: (id: string) => void
}

/** One instance's copy of a shared session. */
export interface SharedSession {
  readonly id: string
  readonly transport: WebStandardStreamableHTTPServerTransport
  /** Serves one HTTP request of the session (the body already parsed; the caller in `req.auth`). */
  readonly serve: NodeMcpRequestHandler
  /** Closes this copy only; the session lives on in Redis. Idempotent. */
  close: () => Promise<void>
}

interface Copy extends SharedSession {
  /** The session's principal (replayed requests run as it). */
  owner: string | null
  /** URIs this copy's server was asked to subscribe (and not unsubscribe). */
  subscribed: Set<string>
  store: RedisEventStore
  /** The transport's own send, before our wrappers: for events that another instance already stored. */
  rawSend: (message: JSONRPCMessage) => Promise<void>
}

const ROUTED_ID = /^([0-9a-f]{12})~(.+)$/

/** Ids of the client requests this instance replays into a copy itself (rebuild, catching up): not the client's. */
const REPLAYED = 'replayed~'

/** The caller a replayed request runs as: only the principal id is read (src/mcp/request-state.ts principalOf). */
function ownerAuthInfo (owner: string | null): McpAuthInfo | undefined {
  return owner === null ? undefined : { token: '', clientId: owner, scopes: [], extra: { principal: owner } }
}

export class SharedSessions {
  readonly records: SessionRecords
  /** Legacy HTTP+SSE and GET /sse sessions: POSTs relayed to the instance holding the stream. */
  readonly streams: RelayedStreams
  readonly #options: SharedSessionsOptions
  readonly #relay: SessionRelay
  /** This instance's id, its tag in server→client request ids. */
  readonly #tag: string
  readonly #copies = new Map<string, Copy>()
  readonly #rebuilding = new Map<string, Promise<Copy | null>>()
  /** The instance holding the standalone GET stream of each session with a copy here (or being rebuilt). */
  readonly #holders = new Map<string, string>()
  /** Cancellations that came over the relay: delivered here, not relayed again. */
  readonly #relayed = new WeakSet<JSONRPCMessage>()
  #hooks: LocalCopyHooks | undefined

  constructor (options: SharedSessionsOptions) {
    this.#options = options
    this.#tag = options.instanceId
    this.records = new SessionRecords({ redis: options.redis, keyPrefix: options.keyPrefix, idleMs: options.idleMs })
    this.#relay = new SessionRelay({ publisher: options.redis, subscriber: options.subscriber, keyPrefix: options.keyPrefix, instance: this.#tag, log: options.log })
    this.streams = new RelayedStreams({ redis: options.redis, relay: this.#relay, keyPrefix: options.keyPrefix, tag: this.#tag, log: options.log })
  }

  async start (hooks: LocalCopyHooks): Promise<void> {
    this.#hooks = hooks
    await this.#relay.start((message) => { this.#onRelay(message) })
  }

  /** Local copies held. */
  get size (): number {
    return this.#copies.size
  }

  /**
   * A new session for `owner`, answering the `initialize` the caller hands to `serve`. It is stored in Redis before
   * the client gets its id; `onInitialized` runs then.
   */
  async create (owner: string | null, initialize: unknown, onInitialized: (id: string) => void): Promise<SharedSession> {
    const id = randomUUID()
    return await this.#build(id, owner, async () => {
      await this.records.create(id, owner, initialize)
      onInitialized(id)
    })
  }

  /**
   * The local copy of session `id` for `principal`: null when the session ended (DELETE, idle expiry), never
   * existed or is another principal's. Marks it used (its idle TTL restarts). Rejects when Redis is unreachable.
   */
  async find (id: string, principal: string | null): Promise<SharedSession | null> {
    const alive = await this.records.touch(id)
    const local = this.#copies.get(id)
    if (alive === null) {
      await local?.close()
      return null
    }
    if (alive.owner !== principal) return null
    if (local !== undefined) return local
    let pending = this.#rebuilding.get(id)
    if (pending === undefined) {
      pending = this.#rebuild(id).finally(() => {
        this.#rebuilding.delete(id)
        if (!this.#copies.has(id)) this.#holders.delete(id)
      })
      this.#rebuilding.set(id, pending)
    }
    return await pending
  }

  /** Restarts the idle TTL of sessions with a stream or a request open here (no request refreshes it meanwhile). */
  async keepAlive (ids: Iterable<string>): Promise<void> {
    await Promise.all([...ids].map(async (id) => { await this.records.touch(id) }))
  }

  async #rebuild (id: string): Promise<Copy | null> {
    const record = await this.records.load(id)
    if (record === null) return null
    // A holder announced while this was loading is newer than the record's.
    if (record.stream !== undefined && !this.#holders.has(id)) this.#holders.set(id, record.stream)
    const copy = await this.#build(id, record.owner)
    const authInfo = ownerAuthInfo(record.owner)
    await copy.store.muted(async () => {
      await this.#replay(copy, JSON.parse(record.initialize), false)
      await this.#replay(copy, { jsonrpc: '2.0', method: 'notifications/initialized' })
      if (record.logLevel !== undefined) {
        await this.#replay(copy, { jsonrpc: '2.0', id: `${REPLAYED}log-level`, method: 'logging/setLevel', params: { level: record.logLevel } })
      }
      for (const uri of record.subscriptions) await this.#subscribe(copy, uri, true, authInfo)
    })
    this.#hooks?.added(copy)
    this.#options.log.info({ sessionId: id }, 'MCP session rebuilt from Redis on this instance')
    return copy
  }

  /** Replays a `resources/(un)subscribe` of the client into `copy`. */
  async #subscribe (copy: Copy, uri: string, subscribed: boolean, authInfo = ownerAuthInfo(copy.owner)): Promise<void> {
    const method = subscribed ? 'resources/subscribe' : 'resources/unsubscribe'
    await this.#replay(copy, { jsonrpc: '2.0', id: `${REPLAYED}${randomUUID()}`, method, params: { uri } }, true, authInfo)
  }

  /**
   * `copy` opened the session's standalone GET stream: it is the holder now (in the session record, and announced to
   * every other copy), and catches up on subscriptions taken by other copies before it held the stream.
   */
  async #holdStream (copy: Copy): Promise<void> {
    const { id } = copy
    this.#holders.set(id, this.#tag)
    await this.records.setStreamHolder(id, this.#tag)
    this.#relay.publish({ kind: 'holder', session: id, instance: this.#tag })
    const record = await this.records.load(id)
    if (record === null) return
    const wanted = new Set(record.subscriptions)
    for (const uri of wanted) if (!copy.subscribed.has(uri)) await this.#subscribe(copy, uri, true)
    for (const uri of [...copy.subscribed]) if (!wanted.has(uri)) await this.#subscribe(copy, uri, false)
  }

  /** One stored client message through the transport's public entry point; the answer is read and dropped. */
  async #replay (copy: Copy, message: unknown, withSession = true, authInfo?: McpAuthInfo): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' }
    if (withSession) headers['mcp-session-id'] = copy.id
    const response = await copy.transport.handleRequest(new Request('http://localhost/mcp', {
      method: 'POST', headers, body: JSON.stringify(message)
    }), { authInfo })
    const text = await response.text()
    if (!response.ok) throw new Error(`rebuilding MCP session ${copy.id} failed: ${response.status} ${text.slice(0, 200)}`)
  }

  async #build (id: string, owner: string | null, onInitialized?: () => Promise<void>): Promise<Copy> {
    const options = this.#options
    const server = options.createServer()
    const store = new RedisEventStore({
      redis: options.redis,
      keyPrefix: `${options.keyPrefix}mcp:events:${id}:`,
      ttlMs: options.idleMs,
      onStandaloneEvent: (eventId, message) => {
        // Only the holder writes the stream; none known: no stream is open anywhere, the event waits in the store.
        const to = this.#holders.get(id)
        if (to !== undefined && to !== this.#tag) this.#relay.publish({ kind: 'standalone', session: id, to, eventId, message })
      }
    })
    const transport = new WebStandardStreamableHTTPServerTransport({
      // spec: the session id MUST be globally unique and cryptographically secure (randomUUID, chosen before).
      sessionIdGenerator: () => id,
      enableJsonResponse: options.jsonResponse,
      eventStore: store,
      retryInterval: options.retryMs,
      keepAliveMs: options.keepAliveMs,
      ...(onInitialized === undefined ? {} : { onsessioninitialized: onInitialized }),
      // DELETE: the session ends everywhere.
      onsessionclosed: async () => {
        await Promise.all([this.records.remove(id), store.clear()])
        this.#relay.publish({ kind: 'ended', session: id })
      }
    })
    let closed = false
    const copy: Copy = {
      id,
      owner,
      subscribed: new Set(),
      transport,
      store,
      rawSend: transport.send.bind(transport),
      serve: toNodeHandler({
        fetch: async (request, context) => {
          const response = await transport.handleRequest(request, context)
          if (opensStandaloneStream(request, response)) {
            this.#holdStream(copy).catch((error: unknown) => { this.#options.log.warn({ err: (error as Error).message, sessionId: id }, 'taking the MCP GET stream over in Redis failed') })
          }
          return response
        }
      }),
      close: async () => {
        if (closed) return
        closed = true
        await server.close()
      }
    }
    transport.onclose = () => {
      closed = true
      if (this.#copies.get(id) === copy) {
        this.#copies.delete(id)
        this.#holders.delete(id)
        this.#hooks?.removed(id)
      }
      server.close().catch(() => {})
    }
    await server.connect(transport)
    this.#route(copy)
    this.#copies.set(id, copy)
    return copy
  }

  /** Wraps the connected transport: tags outgoing server→client request ids, routes answers and cancellations, records state. */
  #route (copy: Copy): void {
    const { transport, id } = copy
    const receive = transport.onmessage
    transport.onmessage = (message, extra) => {
      if (!('method' in message)) {
        const routed = typeof message.id === 'string' ? ROUTED_ID.exec(message.id) : null
        if (routed !== null && routed[1] !== this.#tag) {
          this.#relay.publish({ kind: 'response', session: id, to: routed[1], message })
          return
        }
        if (routed !== null) {
          const original = /^\d+$/.test(routed[2]) ? Number(routed[2]) : routed[2]
          receive?.({ ...message, id: original } as JSONRPCMessage, extra)
          return
        }
      } else {
        this.#record(copy, message)
        if (message.method === 'notifications/cancelled' && !this.#relayed.has(message)) this.#relay.publish({ kind: 'cancelled', session: id, from: this.#tag, message })
      }
      receive?.(message, extra)
    }
    const send = transport.send.bind(transport)
    transport.send = async (message, options) => {
      const request = 'method' in message && 'id' in message
      // Every copy watching a resource hears its completion on the bus; the holder of the GET stream tells the client.
      if (!request && 'method' in message && message.method === 'notifications/resources/updated' && this.#holders.get(id) !== this.#tag) return
      await send(request ? { ...message, id: `${this.#tag}~${String(message.id)}` } as JSONRPCMessage : message, options)
    }
  }

  /** Session state a rebuilt copy must know: stored as the client sets it; subscriptions also told to the holder. */
  #record (copy: Copy, message: JSONRPCMessage): void {
    if (!('method' in message)) return
    const { id } = copy
    const params = (message as { params?: Record<string, unknown> }).params ?? {}
    const replayed = 'id' in message && typeof message.id === 'string' && message.id.startsWith(REPLAYED)
    let update: Promise<void> | undefined
    if (message.method === 'logging/setLevel' && typeof params.level === 'string' && !replayed) update = this.records.setLogLevel(id, params.level)
    if ((message.method === 'resources/subscribe' || message.method === 'resources/unsubscribe') && typeof params.uri === 'string') {
      const subscribed = message.method === 'resources/subscribe'
      if (subscribed) copy.subscribed.add(params.uri)
      else copy.subscribed.delete(params.uri)
      if (!replayed) {
        update = this.records.setSubscribed(id, params.uri, subscribed)
        const holder = this.#holders.get(id)
        if (holder !== undefined && holder !== this.#tag) this.#relay.publish({ kind: 'subscription', session: id, to: holder, uri: params.uri, subscribed })
      }
    }
    update?.catch((error: unknown) => { this.#options.log.warn({ err: (error as Error).message, sessionId: id, method: message.method }, 'storing MCP session state in Redis failed') })
  }

  #onRelay (message: RelayMessage): void {
    if (message.kind === 'post') {
      this.streams.deliver(message.surface, message.session, message.to, { body: message.body, principal: message.principal, ...(message.authInfo === undefined ? {} : { authInfo: message.authInfo }) })
      return
    }
    if (message.kind === 'holder') {
      if (this.#copies.has(message.session) || this.#rebuilding.has(message.session)) this.#holders.set(message.session, message.instance)
      return
    }
    const copy = this.#copies.get(message.session)
    if (copy === undefined) return
    switch (message.kind) {
      case 'ended':
        copy.close().catch(() => {})
        return
      case 'subscription':
        // The stream may have moved meanwhile: the new holder caught up from the session record.
        if (this.#holders.get(message.session) !== this.#tag) return
        this.#subscribe(copy, message.uri, message.subscribed).catch((error: unknown) => {
          this.#options.log.warn({ err: (error as Error).message, sessionId: message.session }, 'replaying a relayed MCP resource subscription failed')
        })
        return
      case 'standalone':
        if (message.to !== this.#tag) return
        copy.store.forward(message.eventId, message.message, async () => { await copy.rawSend(message.message) }).catch(() => {})
        return
      case 'response':
        if (message.to === this.#tag) copy.transport.onmessage?.(message.message)
        return
      case 'cancelled':
        // Straight to the server: a copy not running the request ignores it (no handler for that id).
        if (message.from === this.#tag) return
        this.#relayed.add(message.message)
        copy.transport.onmessage?.(message.message)
    }
  }

  /** Closes every local copy (sessions live on in Redis). */
  /** Why relayed messages may be missed now (the relay re-subscribing after a Redis reconnect), or null. */
  problem (): string | null {
    return this.#relay.problem()
  }

  async closeAll (): Promise<void> {
    this.streams.close()
    await Promise.allSettled([...this.#copies.values()].map(async (copy) => { await copy.close() }))
  }
}

/** A GET answered with an SSE stream that is the session's standalone one (new, or resumed from one of its events). */
function opensStandaloneStream (request: Request, response: Response): boolean {
  if (request.method !== 'GET' || !response.ok || response.headers.get('content-type')?.startsWith('text/event-stream') !== true) return false
  const lastEventId = request.headers.get('last-event-id')
  return lastEventId === null || lastEventId.startsWith(`${STANDALONE_STREAM_ID}_`)
}
