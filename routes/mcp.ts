/**
 * MCP Streamable HTTP at `/mcp` (spec 2025-11-25, basic/transports): POST, GET and DELETE, one McpServer and one
 * `NodeStreamableHTTPServerTransport` per session, driven through `reply.hijack()`.
 *
 * The transport (src/mcp/node-streamable-transport.ts, a port of the SDK's onto node:http objects: the SDK's own
 * converts every request to a Web Request/Response, which cost more than the protocol work) does the protocol: Accept
 * → 406, protocol version → 400, SSE streams with keep-alives, `X-Accel-Buffering: no`, resumability through an event
 * store. This route adds:
 * - Routing by `Mcp-Session-Id` across many sessions: unknown or ended id → 404/-32001 (client re-initialises),
 *   missing id on anything but `initialize` → 400.
 * - Batches (JSON arrays) → 400/-32600: removed from the protocol in 2025-06-18; the transport (like the SDK's)
 *   still accepts them.
 * - Bad JSON → 400/-32700 and a non-JSON body → 415, as JSON-RPC bodies (Fastify's own errors are not JSON-RPC).
 * - A session cap (503 + Retry-After) and idle reaping (src/mcp/sessions.ts).
 * - Headers set by earlier hooks (CORS) survive the hijack.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { JSONRPC_ERRORS, type JsonRpcId } from '../src/jsonrpc.js'
import { BoundedEventStore, EventBudget } from '../src/mcp/event-store.js'
import { NodeStreamableHTTPServerTransport } from '../src/mcp/node-streamable-transport.js'
import { trackServerRequests } from '../src/mcp/track-server-requests.js'
import { parseJsonBody, sendJsonRpcError, handOver, retryAfterSeconds, useJsonRpcBodies } from './mcp-http.js'

/** Bytes of resumable events all sessions together may hold (each session also has its own bound). */
export const EVENT_STORE_TOTAL_BYTES = 64 * 1024 * 1024

/** Suggested reconnection delay sent in the priming event (`retry:`), spec 2025-11-25 transports §"Resumability". */
export const SSE_RETRY_MS = 1000

interface StreamableSession {
  transport: NodeStreamableHTTPServerTransport
}

function requestIdOf (message: unknown): JsonRpcId {
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const { id } = message as { id: unknown }
    if (typeof id === 'string' || typeof id === 'number') return id
  }
  return null
}

/**
 * The JSON-RPC 2.0 envelope, checked cheaply so a malformed message gets -32600 (the transport would answer -32700).
 * The transport then validates the full message with its schemas; doing that twice cost ~7% of a tools/call in the benchmark.
 */
function looksLikeJsonRpc (message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false
  const m = message as { jsonrpc?: unknown, method?: unknown, id?: unknown, result?: unknown, error?: unknown }
  if (m.jsonrpc !== '2.0') return false
  if (m.id !== undefined && typeof m.id !== 'string' && typeof m.id !== 'number') return false
  if (typeof m.method === 'string') return true
  return m.id !== undefined && (m.result !== undefined || m.error !== undefined)
}

// spec: the client MUST list both application/json and text/event-stream. Same test as the transport's, so a request we
// pass on is never refused there for a reason we did not check.
function acceptsBoth (accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/json') && accept.includes('text/event-stream')
}

export default async function mcpRoutes (fastify: FastifyInstance): Promise<void> {
  if (!fastify.hasDecorator('mcp')) throw new Error('register plugins/mcp-sessions.ts before routes/mcp.ts')
  const { sessions, createServer, jsonResponse } = fastify.mcp
  const { config } = fastify
  const guard = fastify.security.mcpSessions
  const live = new Map<string, StreamableSession>()
  const eventBudget = new EventBudget(EVENT_STORE_TOTAL_BYTES)

  // Encapsulated: read every body as text here, so bad JSON and wrong media types get JSON-RPC answers.
  useJsonRpcBodies(fastify, 'MCP request failed')

  async function openSession (request: FastifyRequest, reply: FastifyReply, message: unknown): Promise<void> {
    const slot = guard.reserve(fastify.security.quotaKeyOf(request))
    if (slot === null) {
      reply.header('retry-after', String(retryAfterSeconds(config.SESSION_IDLE_MS)))
      return await sendJsonRpcError(reply, 429, requestIdOf(message), JSONRPC_ERRORS.SERVER_ERROR,
        `You hold ${guard.maxPerKey} MCP sessions, the most one client may; end unused ones (DELETE /mcp) or retry later`)
    }
    const release = sessions.reserve()
    if (release === null) {
      slot()
      reply.header('retry-after', String(retryAfterSeconds(config.SESSION_IDLE_MS)))
      return await sendJsonRpcError(reply, 503, requestIdOf(message), JSONRPC_ERRORS.SERVER_ERROR,
        `Too many MCP sessions (MAX_SESSIONS=${config.MAX_SESSIONS}); close unused sessions (DELETE /mcp) or retry later`)
    }
    const server = createServer()
    const eventStore = new BoundedEventStore({}, eventBudget)
    let sessionId: string | undefined
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      // spec: the session id MUST be globally unique and cryptographically secure.
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: jsonResponse,
      eventStore,
      retryInterval: SSE_RETRY_MS,
      keepAliveMs: config.KEEPALIVE_MS,
      onsessioninitialized: (id) => {
        sessionId = id
        live.set(id, { transport })
        guard.bind(id, request.principal?.id ?? null, slot)
        sessions.add({ id, kind: 'streamable', close: async () => { await transport.close() } })
        release()
      }
    })
    transport.onclose = () => {
      if (sessionId !== undefined) {
        live.delete(sessionId)
        guard.forget(sessionId)
        sessions.remove(sessionId)
      }
      eventStore.clear()
      server.close().catch(() => {})
    }
    await server.connect(transport)
    trackServerRequests(transport, () => sessionId === undefined ? () => {} : sessions.track(sessionId))
    try {
      await handOver(request, reply, async () => { await transport.handleRequest(request.raw, reply.raw, message) })
    } finally {
      release()
      // The initialize request was refused (bad params…): nothing was registered, so nothing else will close it.
      if (sessionId === undefined) {
        slot()
        await transport.close()
      }
    }
  }

  fastify.post('/mcp', { config: { access: 'mcp' } }, async (request, reply) => {
    if (!acceptsBoth(request.headers.accept)) {
      return await sendJsonRpcError(reply, 406, null, JSONRPC_ERRORS.SERVER_ERROR, 'Not Acceptable: Client must accept both application/json and text/event-stream')
    }
    const parsed = parseJsonBody(request)
    if (!parsed.ok) return await sendJsonRpcError(reply, parsed.status, null, parsed.code, parsed.message)
    const message = parsed.value
    if (Array.isArray(message)) {
      return await sendJsonRpcError(reply, 400, null, JSONRPC_ERRORS.INVALID_REQUEST,
        'Invalid Request: JSON-RPC batches are not supported (removed from MCP in protocol revision 2025-06-18); send one message per POST')
    }
    if (!looksLikeJsonRpc(message)) {
      return await sendJsonRpcError(reply, 400, requestIdOf(message), JSONRPC_ERRORS.INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 request, notification or response')
    }

    const sessionId = request.headers['mcp-session-id']
    if (typeof sessionId !== 'string' || sessionId === '') {
      if ((message as { method?: unknown }).method === 'initialize') return await openSession(request, reply, message)
      return await sendJsonRpcError(reply, 400, requestIdOf(message), JSONRPC_ERRORS.SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required (send initialize first)')
    }
    // Another principal's session is as unknown as an ended one: no existence oracle.
    const session = guard.allows(sessionId, request.principal?.id ?? null) ? live.get(sessionId) : undefined
    // spec: a terminated or unknown session → 404, and the client starts a new session with initialize.
    if (session === undefined) return await sendJsonRpcError(reply, 404, requestIdOf(message), -32001, 'Session not found')
    const done = sessions.track(sessionId)
    reply.raw.once('close', done)
    await handOver(request, reply, async () => { await session.transport.handleRequest(request.raw, reply.raw, message) })
  })

  // GET (the session's server→client stream, or a resume with Last-Event-ID) and DELETE (end the session).
  for (const method of ['GET', 'DELETE'] as const) {
    fastify.route({
      method,
      url: '/mcp',
      config: { access: 'mcp' },
      exposeHeadRoute: false,
      handler: async (request, reply) => {
        const sessionId = request.headers['mcp-session-id']
        if (typeof sessionId !== 'string' || sessionId === '') {
          return await sendJsonRpcError(reply, 400, null, JSONRPC_ERRORS.SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required')
        }
        const session = guard.allows(sessionId, request.principal?.id ?? null) ? live.get(sessionId) : undefined
        if (session === undefined) return await sendJsonRpcError(reply, 404, null, -32001, 'Session not found')
        const done = sessions.track(sessionId)
        reply.raw.once('close', done)
        await handOver(request, reply, async () => { await session.transport.handleRequest(request.raw, reply.raw) })
      }
    })
  }

  // spec: methods the endpoint does not serve → 405 with Allow.
  fastify.route({
    method: ['PUT', 'PATCH', 'HEAD'],
    url: '/mcp',
    config: { access: 'mcp' },
    handler: async (_request, reply) => {
      reply.header('allow', 'GET, POST, DELETE')
      return await sendJsonRpcError(reply, 405, null, JSONRPC_ERRORS.SERVER_ERROR, 'Method not allowed: use POST, GET or DELETE')
    }
  })
}
