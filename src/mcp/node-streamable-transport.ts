/**
 * MCP Streamable HTTP server transport (spec 2025-11-25, basic/transports) on Node's IncomingMessage/ServerResponse.
 *
 * Ported from `@modelcontextprotocol/sdk` (MIT), dist/esm/server/webStandardStreamableHttp.js 1.32: same session,
 * header and stream semantics, same status codes and JSON-RPC errors. Why a port: the SDK's Node transport wraps the
 * web-standard one through @hono/node-server, which turns every Node request into a Web Request and every answer into
 * a Web Response over a ReadableStream/TransformStream. In a profile of `tools/call` (BENCHMARKS.md #4) that machinery
 * took ~37% (web-standard transport) + ~30% (@hono/node-server) of busy time: more than the protocol work itself.
 * Here an SSE stream is the ServerResponse (src/mcp/sse-response.ts).
 *
 * Differences from the SDK's transport, on purpose:
 * - No DNS-rebinding options (`allowedHosts`/`allowedOrigins`): plugins/security.ts validates Host and Origin first.
 * - An SSE answer ready within the turn of the event loop it was requested in goes out as one body with a
 *   Content-Length instead of a chunked stream (same events, same order).
 * - One keep-alive timer per session for all its SSE streams instead of one per stream.
 * - Message kinds are told by shape after the one full schema parse, not by a zod safeParse per check.
 * - A client that stops reading an SSE stream is dropped past `maxBufferedBytes` (it may resume with Last-Event-ID);
 *   the SDK's ReadableStream would buffer without bound.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js'
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js'
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION, isInitializeRequest, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS,
  type InitializeRequest, type JSONRPCMessage, type JSONRPCRequest, type MessageExtraInfo, type RequestId, type RequestInfo
} from '@modelcontextprotocol/sdk/types.js'
import { isResponse, takesSerialized } from './event-store.js'
import { readBody, setSseHeaders, sseMessageEvent, writeJsonError } from './node-http-io.js'
import { SseResponse } from './sse-response.js'

/** The SDK's defaults (server/requestBody.js, server/sseKeepAlive.js). */
const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
const MAX_BATCH_SIZE = 100
const DEFAULT_KEEP_ALIVE_MS = 15_000
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1
const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024
const STANDALONE_STREAM_ID = '_GET_stream'

export interface NodeStreamableTransportOptions {
  /** Session ids (globally unique, cryptographically secure); undefined = stateless, one request per transport. */
  sessionIdGenerator?: () => string
  /** Called once the initialize request assigned a session id, before it is answered. */
  onsessioninitialized?: (sessionId: string) => void | Promise<void>
  /** Called on DELETE, before the transport closes. */
  onsessionclosed?: (sessionId: string | undefined) => void | Promise<void>
  /** Answer POSTed requests with one application/json body instead of an SSE stream. */
  enableJsonResponse?: boolean
  /** Enables resumability: priming events, event ids, Last-Event-ID replay, closeSSEStream. */
  eventStore?: EventStore
  /** `retry:` (ms) sent in priming events. */
  retryInterval?: number
  /** Interval of `: keepalive` comments on SSE streams; < 1 or non-finite disables them. Default 15 s. */
  keepAliveMs?: number
  /** Largest POST body read when no parsed body is given. Default 4 MiB. */
  maxRequestBodySize?: number
  /** Bytes an SSE response may have buffered (client not reading) before it is dropped. Default 8 MiB. */
  maxBufferedBytes?: number
}

interface StreamEntry {
  res: ServerResponse
  /** The SSE stream; undefined in JSON mode (the response waits for all its requests' answers, then gets one body). */
  sse: SseResponse | undefined
  /** Event ids a Last-Event-ID replay already wrote on this stream (a concurrent send must not repeat them). */
  replayedEventIds?: Set<string>
  /** Ends the stream (response finished), clears its keep-alive and mapping. */
  cleanup: () => void
}

/*
 * Message kinds by shape. Incoming messages were parsed with JSONRPCMessageSchema, a union of *strict* schemas (no
 * extra keys), so `method` + `id` can only be a request; outgoing ones come from the SDK's Protocol. The SDK re-runs a
 * zod safeParse for each of these checks (several per message); in the profile that showed as ~4% of a tools/call.
 */
function isRequest (message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message
}

/** RequestInfo with the URL built only when a handler reads it. */
function requestInfoOf (req: IncomingMessage): RequestInfo {
  let url: URL | undefined
  return {
    headers: req.headers,
    get url (): URL {
      url ??= new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`)
      return url
    }
  }
}

function headerOf (req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  if (Array.isArray(value)) return value.join(', ')
  return value === '' ? undefined : value
}

/**
 * A Streamable HTTP server transport for one MCP session. Contract (as the SDK's):
 * - `handleRequest(req, res, parsedBody?)` answers one POST, GET or DELETE on `res`; it resolves once the request is
 *   dispatched (SSE answers keep streaming after that; JSON answers are written when the responses are sent).
 * - `send(message, { relatedRequestId })` writes a response on the stream of its request, and a related
 *   notification/request there too; unrelated server messages go to the standalone GET stream (stored for replay
 *   when none is open).
 * - `close()` ends every stream and calls `onclose` once.
 */
export class NodeStreamableHTTPServerTransport implements Transport {
  sessionId?: string
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void

  readonly #sessionIdGenerator: (() => string) | undefined
  readonly #onsessioninitialized: NodeStreamableTransportOptions['onsessioninitialized']
  readonly #onsessionclosed: NodeStreamableTransportOptions['onsessionclosed']
  readonly #jsonResponse: boolean
  readonly #eventStore: EventStore | undefined
  readonly #retryInterval: number | undefined
  readonly #keepAliveMs: number
  readonly #maxBodyBytes: number
  readonly #maxBuffered: number
  readonly #streams = new Map<string, StreamEntry>()
  readonly #requestToStream = new Map<RequestId, string>()
  /** Request streams whose client holds a Last-Event-ID cursor, so a stored response can be replayed on resume. */
  readonly #resumableStreams = new Set<string>()
  readonly #responses = new Map<RequestId, JSONRPCMessage>()
  #started = false
  #handledRequest = false
  #initialized = false
  #closed = false
  #keepAlive: NodeJS.Timeout | undefined
  /** SSE responses held back until the handlers of this turn of the event loop had their chance to answer. */
  #toFlush: SseResponse[] = []

  constructor (options: NodeStreamableTransportOptions = {}) {
    this.#sessionIdGenerator = options.sessionIdGenerator
    this.#onsessioninitialized = options.onsessioninitialized
    this.#onsessionclosed = options.onsessionclosed
    this.#jsonResponse = options.enableJsonResponse ?? false
    this.#eventStore = options.eventStore
    this.#retryInterval = options.retryInterval
    this.#keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS
    this.#maxBodyBytes = options.maxRequestBodySize ?? DEFAULT_MAX_BODY_BYTES
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES
  }

  async start (): Promise<void> {
    if (this.#started) throw new Error('Transport already started')
    this.#started = true
  }

  async handleRequest (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, parsedBody?: unknown): Promise<void> {
    if (this.#closed) return this.#error(res, 404, -32001, 'Session not found', false)
    // Stateless mode: each request needs a fresh transport (request ids of different clients would collide).
    if (this.#sessionIdGenerator === undefined && this.#handledRequest) {
      throw new Error('Stateless transport cannot be reused across requests. Create a new transport per request.')
    }
    this.#handledRequest = true
    switch (req.method) {
      case 'POST': return await this.#handlePost(req, res, parsedBody)
      case 'GET': return await this.#handleGet(req, res)
      case 'DELETE': return await this.#handleDelete(req, res)
      default:
        this.onerror?.(new Error('Method not allowed.'))
        writeJsonError(res, 405, -32000, 'Method not allowed.', { headers: { allow: 'GET, POST, DELETE' } })
    }
  }

  /** Close the SSE stream of one request; the client reconnects (GET + Last-Event-ID) after `retry`. SEP-1699. */
  closeSSEStream (requestId: RequestId): void {
    const streamId = this.#requestToStream.get(requestId)
    if (streamId !== undefined) this.#streams.get(streamId)?.cleanup()
  }

  /** Close the standalone GET stream; the client reconnects after `retry`. */
  closeStandaloneSSEStream (): void {
    this.#streams.get(STANDALONE_STREAM_ID)?.cleanup()
  }

  async close (): Promise<void> {
    if (this.#closed) return
    // Set first: nothing may arm a keep-alive or register a stream once the cleanups below ran.
    this.#closed = true
    for (const stream of [...this.#streams.values()]) stream.cleanup()
    this.#streams.clear()
    this.#stopKeepAlive()
    this.#responses.clear()
    this.#resumableStreams.clear()
    this.onclose?.()
  }

  async send (message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const response = isResponse(message)
    const requestId = response ? (message as { id: RequestId }).id : options?.relatedRequestId
    if (requestId === undefined) return await this.#sendStandalone(message, response)

    const streamId = this.#requestToStream.get(requestId)
    if (streamId === undefined) throw new Error(`No connection established for request ID: ${String(requestId)}`)
    let stream = this.#streams.get(streamId)
    if (!this.#jsonResponse) {
      const json = JSON.stringify(message)
      // Stored even when the stream is gone (closeSSEStream, disconnect), so a resume replays it.
      let eventId: string | undefined
      if (this.#eventStore !== undefined) {
        const stored = this.#storeEvent(streamId, message, json)
        eventId = typeof stored === 'string' ? stored : await stored
        // A resume may have replaced the stream while the store awaited.
        stream = this.#streams.get(streamId)
      }
      if (stream?.sse !== undefined && (eventId === undefined || stream.replayedEventIds?.has(eventId) !== true)) {
        const written = this.#writeEvent(stream.sse, json, eventId)
        if (written && eventId !== undefined) this.#resumableStreams.add(streamId)
      }
    }
    if (!response) return

    this.#responses.set(requestId, message)
    const relatedIds: RequestId[] = []
    for (const [id, sid] of this.#requestToStream) if (sid === streamId) relatedIds.push(id)
    if (!relatedIds.every((id) => this.#responses.has(id))) return
    const release = (): void => {
      for (const id of relatedIds) {
        this.#responses.delete(id)
        this.#requestToStream.delete(id)
      }
    }
    if (stream === undefined) {
      release()
      // close() ran while the store awaited: a late completion is a no-op.
      if (this.#closed) return
      if (!this.#jsonResponse && this.#eventStore !== undefined && this.#resumableStreams.has(streamId)) {
        // The response is stored and will be replayed on resume.
        this.#resumableStreams.delete(streamId)
        return
      }
      throw new Error(`No connection established for request ID: ${String(requestId)}`)
    }
    if (stream.sse === undefined) {
      const responses = relatedIds.map((id) => this.#responses.get(id))
      const body = JSON.stringify(responses.length === 1 ? responses[0] : responses)
      const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
      if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId
      stream.cleanup()
      if (!stream.res.destroyed && !stream.res.headersSent) {
        stream.res.writeHead(200, headers)
        stream.res.end(body)
      }
    } else {
      stream.cleanup()
    }
    release()
    this.#resumableStreams.delete(streamId)
  }

  async #sendStandalone (message: JSONRPCMessage, response: boolean): Promise<void> {
    if (response) throw new Error('Cannot send a response on a standalone SSE stream unless resuming a previous client request')
    // Stored even while no GET stream is open, so it is replayed on reconnect.
    const json = JSON.stringify(message)
    let eventId: string | undefined
    if (this.#eventStore !== undefined) {
      const stored = this.#storeEvent(STANDALONE_STREAM_ID, message, json)
      eventId = typeof stored === 'string' ? stored : await stored
    }
    const stream = this.#streams.get(STANDALONE_STREAM_ID)
    if (stream?.sse === undefined) return
    if (eventId === undefined || stream.replayedEventIds?.has(eventId) !== true) this.#writeEvent(stream.sse, json, eventId)
  }

  #error (res: ServerResponse, status: number, code: number, message: string, report = true): void {
    if (report) this.onerror?.(new Error(message))
    writeJsonError(res, status, code, message)
  }

  /**
   * Our store takes the JSON this transport writes anyway, and answers at once (src/mcp/event-store.ts): no second
   * stringify and no await per event. Any other EventStore gets the message, as the SDK's transport gives it.
   */
  #storeEvent (streamId: string, message: JSONRPCMessage, json: string): string | Promise<string> {
    const store = this.#eventStore as EventStore
    return takesSerialized(store) ? store.storeSerialized(streamId, message, json) : store.storeEvent(streamId, message)
  }

  #writeEvent (sse: SseResponse, json: string, eventId: string | undefined): boolean {
    const written = sse.write(sseMessageEvent(json, eventId))
    if (!written) this.onerror?.(new Error('SSE stream is closed: event not written'))
    return written
  }

  /**
   * Registers an SSE stream on `res` under `streamId`, with a close listener that forgets the stream only if the
   * mapping still points at it (a stale close after a resume must not drop the successor).
   */
  #openSseStream (sse: SseResponse, streamId: string, replayedEventIds?: Set<string>): StreamEntry {
    const { res } = sse
    const entry: StreamEntry = {
      res,
      sse,
      replayedEventIds,
      cleanup: () => {
        if (this.#streams.get(streamId) === entry) this.#streams.delete(streamId)
        sse.end()
      }
    }
    res.once('close', () => {
      if (this.#streams.get(streamId) === entry) this.#streams.delete(streamId)
    })
    this.#streams.set(streamId, entry)
    this.#armKeepAlive()
    return entry
  }

  /**
   * One keep-alive timer per session writes a `: keepalive` comment on every open SSE stream each keepAliveMs (the
   * SDK arms one timer per stream; creating and clearing a timer per POST showed in the profile). It stops itself
   * when no SSE stream is open, and on close().
   */
  #armKeepAlive (): void {
    if (this.#keepAlive !== undefined || this.#closed || !Number.isFinite(this.#keepAliveMs) || this.#keepAliveMs < 1) return
    this.#keepAlive = setInterval(() => {
      let open = 0
      for (const stream of [...this.#streams.values()]) {
        if (stream.sse?.write(': keepalive\n\n') === true) open++
      }
      if (open === 0) this.#stopKeepAlive()
    }, Math.min(this.#keepAliveMs, MAX_TIMER_DELAY_MS))
    this.#keepAlive.unref()
  }

  #stopKeepAlive (): void {
    if (this.#keepAlive !== undefined) clearInterval(this.#keepAlive)
    this.#keepAlive = undefined
  }

  /** Validates the session id of a non-initialize request; answers and returns false when it is wrong. */
  #validSession (req: IncomingMessage, res: ServerResponse): boolean {
    // Stateless: no session to check.
    if (this.#sessionIdGenerator === undefined) return true
    if (!this.#initialized) {
      this.#error(res, 400, -32000, 'Bad Request: Server not initialized')
      return false
    }
    const sessionId = headerOf(req, 'mcp-session-id')
    if (sessionId === undefined) {
      this.#error(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required')
      return false
    }
    if (sessionId !== this.sessionId) {
      this.#error(res, 404, -32001, 'Session not found')
      return false
    }
    return true
  }

  /** A present MCP-Protocol-Version must be one we support (absent → the negotiated version). */
  #validProtocolVersion (req: IncomingMessage, res: ServerResponse): boolean {
    const version = headerOf(req, 'mcp-protocol-version')
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      this.#error(res, 400, -32000, `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`)
      return false
    }
    return true
  }

  async #handleGet (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (headerOf(req, 'accept')?.includes('text/event-stream') !== true) {
      return this.#error(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream')
    }
    if (!this.#validSession(req, res) || !this.#validProtocolVersion(req, res)) return
    if (this.#eventStore !== undefined) {
      const lastEventId = headerOf(req, 'last-event-id')
      if (lastEventId !== undefined) return await this.#replay(lastEventId, res)
    }
    // One standalone stream per session.
    if (this.#streams.has(STANDALONE_STREAM_ID)) {
      return this.#error(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session')
    }
    setSseHeaders(res, this.sessionId)
    const sse = new SseResponse(res, this.#maxBuffered)
    this.#openSseStream(sse, STANDALONE_STREAM_ID)
    // The client waits for the headers before it listens; nothing else may be written for a long time.
    sse.flush()
  }

  /** GET with Last-Event-ID: replays the stream's later events, then keeps it open for what is still to come. */
  async #replay (lastEventId: string, res: ServerResponse): Promise<void> {
    const store = this.#eventStore as EventStore
    try {
      if (store.getStreamIdForEventId !== undefined) {
        const streamId = await store.getStreamIdForEventId(lastEventId)
        if (streamId === undefined || streamId === '') return this.#error(res, 400, -32000, 'Invalid event ID format')
        if (this.#streams.has(streamId)) return this.#error(res, 409, -32000, 'Conflict: Stream already has an active connection')
      }
      setSseHeaders(res, this.sessionId)
      // Replayed events are held until the stream is registered (as the SDK's ReadableStream holds them).
      const sse = new SseResponse(res, this.#maxBuffered)
      let cancelled = false
      res.once('close', () => { cancelled = true })
      const replayedEventIds = new Set<string>()
      const streamId = await store.replayEventsAfter(lastEventId, {
        send: async (eventId, message) => {
          if (this.#writeEvent(sse, JSON.stringify(message), eventId)) replayedEventIds.add(eventId)
          else sse.end()
        }
      })
      if (cancelled) return
      // close() ran during the replay: register nothing that no one would clean up.
      if (this.#closed) return this.#error(res, 404, -32001, 'Session not found', false)
      // A reconnect re-registers the same stream id: end the predecessor cleanly.
      this.#streams.get(streamId)?.cleanup()
      this.#openSseStream(sse, streamId, replayedEventIds)
      // The resume itself proves the client holds a Last-Event-ID cursor.
      this.#resumableStreams.add(streamId)
      sse.flush()
    } catch (error) {
      this.onerror?.(error as Error)
      writeJsonError(res, 500, -32000, 'Error replaying events')
    }
  }

  async #handlePost (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, parsedBody: unknown): Promise<void> {
    try {
      await this.#dispatchPost(req, res, parsedBody)
    } catch (error) {
      // As the SDK: a failure while opening the stream or dispatching is answered as a parse error.
      this.onerror?.(error as Error)
      writeJsonError(res, 400, -32700, 'Parse error', { data: String(error) })
    }
  }

  async #dispatchPost (req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse, parsedBody: unknown): Promise<void> {
    const accept = headerOf(req, 'accept')
    // Accept is a comma-separated list: a substring test is the intended semantics (the SDK's).
    if (accept?.includes('application/json') !== true || !accept.includes('text/event-stream')) {
      return this.#error(res, 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream')
    }
    if (!isJsonContentType(headerOf(req, 'content-type'))) {
      return this.#error(res, 415, -32000, 'Unsupported Media Type: Content-Type must be application/json')
    }
    const requestInfo = requestInfoOf(req)
    let raw = parsedBody
    if (raw === undefined) {
      try {
        const body = await readBody(req, this.#maxBodyBytes)
        if (!body.ok) return this.#error(res, 413, -32000, `Payload Too Large: Request body must not exceed ${this.#maxBodyBytes} bytes`)
        raw = JSON.parse(body.text)
      } catch {
        return this.#error(res, 400, -32700, 'Parse error: Invalid JSON')
      }
    }
    if (Array.isArray(raw) && raw.length > MAX_BATCH_SIZE) {
      return this.#error(res, 400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`)
    }
    let messages: JSONRPCMessage[]
    try {
      messages = Array.isArray(raw) ? raw.map((m) => JSONRPCMessageSchema.parse(m)) : [JSONRPCMessageSchema.parse(raw)]
    } catch {
      return this.#error(res, 400, -32700, 'Parse error: Invalid JSON-RPC message')
    }
    if (this.#closed) return this.#error(res, 404, -32001, 'Session not found', false)

    const initRequest = messages.find((m) => 'method' in m && m.method === 'initialize' && isInitializeRequest(m))
    if (initRequest !== undefined) {
      // No re-initialisation of a session.
      if (this.#initialized && this.sessionId !== undefined) return this.#error(res, 400, -32600, 'Invalid Request: Server already initialized')
      if (messages.length > 1) return this.#error(res, 400, -32600, 'Invalid Request: Only one initialization request is allowed')
      this.sessionId = this.#sessionIdGenerator?.()
      this.#initialized = true
      if (this.sessionId !== undefined && this.sessionId !== '' && this.#onsessioninitialized !== undefined) {
        await this.#onsessioninitialized(this.sessionId)
      }
    } else if (!this.#validSession(req, res) || !this.#validProtocolVersion(req, res)) {
      return
    }
    // close() may have run during the awaits above.
    if (this.#closed) return this.#error(res, 404, -32001, 'Session not found', false)

    const authInfo = req.auth
    if (!messages.some(isRequest)) {
      // Only notifications or responses: 202, no body.
      for (const message of messages) this.onmessage?.(message, { authInfo, requestInfo })
      res.writeHead(202)
      res.end()
      return
    }

    const streamId = randomUUID()
    const protocolVersion = initRequest !== undefined
      ? (initRequest as unknown as InitializeRequest).params.protocolVersion
      : (headerOf(req, 'mcp-protocol-version') ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION)

    if (this.#jsonResponse) {
      const entry: StreamEntry = {
        res,
        sse: undefined,
        cleanup: () => { if (this.#streams.get(streamId) === entry) this.#streams.delete(streamId) }
      }
      this.#streams.set(streamId, entry)
      for (const message of messages) if (isRequest(message)) this.#requestToStream.set(message.id, streamId)
      for (const message of messages) this.onmessage?.(message, { authInfo, requestInfo })
      return
    }

    setSseHeaders(res, this.sessionId)
    // Held until the handlers had their turn (src/mcp/sse-response.ts): a fast answer goes out with the priming event
    // as one body; a slow one gets the headers and priming event on the next turn of the loop.
    const sse = new SseResponse(res, this.#maxBuffered)
    const entry = this.#openSseStream(sse, streamId)
    for (const message of messages) if (isRequest(message)) this.#requestToStream.set(message.id, streamId)
    try {
      await this.#writePrimingEvent(sse, streamId, protocolVersion)
      const resumable = this.#eventStore !== undefined && protocolVersion >= '2025-11-25'
      for (const message of messages) {
        // closeSSEStream only for clients that got a priming event id (≥ 2025-11-25): others could not resume.
        const closers = resumable && isRequest(message)
          ? { closeSSEStream: () => { this.closeSSEStream(message.id) }, closeStandaloneSSEStream: () => { this.closeStandaloneSSEStream() } }
          : {}
        this.onmessage?.(message, { authInfo, requestInfo, ...closers })
      }
    } catch (error) {
      // Nothing was sent yet: forget the stream and let #handlePost answer with an error, as the SDK does.
      if (this.#streams.get(streamId) === entry) this.#streams.delete(streamId)
      this.#resumableStreams.delete(streamId)
      for (const message of messages) if (isRequest(message)) this.#requestToStream.delete(message.id)
      throw error
    }
    if (sse.open) this.#flushSoon(sse)
  }

  /** One setImmediate per turn of the loop flushes every stream opened in it (not one per request). */
  #flushSoon (sse: SseResponse): void {
    if (this.#toFlush.push(sse) > 1) return
    setImmediate(() => {
      const streams = this.#toFlush
      this.#toFlush = []
      for (const stream of streams) stream.flush()
    })
  }

  /**
   * Priming event (empty data, an id, `retry:`) that gives the client a Last-Event-ID before anything else. Only with
   * an event store and for protocol ≥ 2025-11-25: older clients cannot handle empty data.
   */
  async #writePrimingEvent (sse: SseResponse, streamId: string, protocolVersion: string): Promise<void> {
    if (this.#eventStore === undefined || protocolVersion < '2025-11-25') return
    const stored = this.#storeEvent(streamId, {} as JSONRPCMessage, '{}')
    const eventId = typeof stored === 'string' ? stored : await stored
    const retry = this.#retryInterval !== undefined ? `retry: ${this.#retryInterval}\n` : ''
    sse.write(`id: ${eventId}\n${retry}data: \n\n`)
    this.#resumableStreams.add(streamId)
  }

  async #handleDelete (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#validSession(req, res) || !this.#validProtocolVersion(req, res)) return
    try {
      await this.#onsessionclosed?.(this.sessionId)
      res.writeHead(200)
      res.end()
    } finally {
      await this.close()
    }
  }
}
