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
 * - events of the standalone GET stream are stored in Redis (src/mcp/redis-event-store.ts) by whichever copy sends
 *   them and written by the copy that holds the stream, with their stored id;
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
import { RedisEventStore } from './redis-event-store.js'
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
  store: RedisEventStore
  /** The transport's own send, before our wrappers: for events that another instance already stored. */
  rawSend: (message: JSONRPCMessage) => Promise<void>
}

/** A chart request completes once: its update notifications from several copies arrive within this window. */
const RESOURCE_UPDATE_WINDOW_MS = 60_000

const ROUTED_ID = /^([0-9a-f]{12})~(.+)$/

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
    return await this.#build(id, async () => {
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
      pending = this.#rebuild(id).finally(() => { this.#rebuilding.delete(id) })
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
    const copy = await this.#build(id)
    const authInfo = ownerAuthInfo(record.owner)
    await copy.store.muted(async () => {
      await this.#replay(copy, JSON.parse(record.initialize), false)
      await this.#replay(copy, { jsonrpc: '2.0', method: 'notifications/initialized' })
      if (record.logLevel !== undefined) {
        await this.#replay(copy, { jsonrpc: '2.0', id: 'rebuild-log-level', method: 'logging/setLevel', params: { level: record.logLevel } })
      }
      for (const [i, uri] of record.subscriptions.entries()) {
        await this.#replay(copy, { jsonrpc: '2.0', id: `rebuild-subscribe-${i}`, method: 'resources/subscribe', params: { uri } }, true, authInfo)
      }
    })
    this.#hooks?.added(copy)
    this.#options.log.info({ sessionId: id }, 'MCP session rebuilt from Redis on this instance')
    return copy
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

  async #build (id: string, onInitialized?: () => Promise<void>): Promise<Copy> {
    const options = this.#options
    const server = options.createServer()
    const store = new RedisEventStore({
      redis: options.redis,
      keyPrefix: `${options.keyPrefix}mcp:events:${id}:`,
      ttlMs: options.idleMs,
      onStandaloneEvent: (eventId, message) => { this.#relay.publish({ kind: 'standalone', session: id, from: this.#tag, eventId, message }) }
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
      transport,
      store,
      rawSend: transport.send.bind(transport),
      serve: toNodeHandler({ fetch: async (request, context) => await transport.handleRequest(request, context) }),
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
        this.#record(id, message)
        if (message.method === 'notifications/cancelled' && !this.#relayed.has(message)) this.#relay.publish({ kind: 'cancelled', session: id, from: this.#tag, message })
      }
      receive?.(message, extra)
    }
    const send = transport.send.bind(transport)
    transport.send = async (message, options) => {
      const request = 'method' in message && 'id' in message
      // Every copy watching a resource hears its completion on the bus; the client is told once.
      if (!request && 'method' in message && message.method === 'notifications/resources/updated' &&
        !await this.records.claim(id, JSON.stringify(message), RESOURCE_UPDATE_WINDOW_MS)) return
      await send(request ? { ...message, id: `${this.#tag}~${String(message.id)}` } as JSONRPCMessage : message, options)
    }
  }

  /** Session state a rebuilt copy must know: stored as the client sets it. */
  #record (id: string, message: JSONRPCMessage): void {
    if (!('method' in message)) return
    const params = (message as { params?: Record<string, unknown> }).params ?? {}
    let update: Promise<void> | undefined
    if (message.method === 'logging/setLevel' && typeof params.level === 'string') update = this.records.setLogLevel(id, params.level)
    if (message.method === 'resources/subscribe' && typeof params.uri === 'string') update = this.records.setSubscribed(id, params.uri, true)
    if (message.method === 'resources/unsubscribe' && typeof params.uri === 'string') update = this.records.setSubscribed(id, params.uri, false)
    update?.catch((error: unknown) => { this.#options.log.warn({ err: (error as Error).message, sessionId: id, method: message.method }, 'storing MCP session state in Redis failed') })
  }

  #onRelay (message: RelayMessage): void {
    if (message.kind === 'post') {
      this.streams.deliver(message.surface, message.session, message.to, { body: message.body, principal: message.principal, ...(message.authInfo === undefined ? {} : { authInfo: message.authInfo }) })
      return
    }
    const copy = this.#copies.get(message.session)
    if (copy === undefined) return
    switch (message.kind) {
      case 'ended':
        copy.close().catch(() => {})
        return
      case 'standalone':
        if (message.from === this.#tag) return
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
  async closeAll (): Promise<void> {
    this.streams.close()
    await Promise.allSettled([...this.#copies.values()].map(async (copy) => { await copy.close() }))
  }
}
