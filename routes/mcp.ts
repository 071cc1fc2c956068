/**
 * MCP Streamable HTTP at `/mcp` (and `/mcp/`, the path seed 004's nginx block forwards), both protocol eras on one
 * endpoint, decided per request with the SDK's own classifier (`classifyInboundRequest`, the routing of the SDK's
 * conformance server and examples/legacy-routing; shared/reference/mcp-2026.md §2.4):
 *
 * - **2026-07-28** (a request carrying the `_meta` envelope claim or a modern `MCP-Protocol-Version`): the SDK's
 *   `createMcpHandler` in strict mode answers it — `server/discover`, envelope and header validation (-32020/-32021/
 *   -32022), `resultType`, caching hints, request-scoped SSE with progress, close = cancel, `subscriptions/listen`.
 *   No sessions: GET/DELETE carrying a modern version get 405 from it.
 * - **2025-11-25 and older** (`initialize` handshake): one McpServer and one SDK `NodeStreamableHTTPServerTransport`
 *   per session, with our bounded event store (Last-Event-ID resumability), GET stream, DELETE, idle reaping and the
 *   session cap (src/mcp/sessions.ts). Unknown or ended id → 404/-32001 (the client re-initialises); a non-initialize
 *   request without an id → 400 with a -32000 body, never a modern error code, so a modern-probing client that
 *   reached a 2025-only path falls back (python-sdk#2950).
 *
 * This route adds, for both: bad JSON → 400/-32700 and a non-JSON body → 415 as JSON-RPC bodies (Fastify's own
 * errors are not JSON-RPC), and the headers set by earlier hooks (CORS) carried across the hand-over to the SDK.
 *
 * Access (family 'mcp', plugins/security.ts): the caller's principal reaches the SDK as `req.auth` (handOver → the
 * tools' `ctx.http.authInfo`); a 2025 session belongs to the principal that opened it (another one's id → 404, as
 * an unknown id) and counts against that principal's quota (429, src/auth/mcp-session-guard.ts); a `tools/call` of a
 * tool that is not read-only needs `charts:write` in either era (403 insufficient_scope, refuseUnscopedCall).
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { classifyInboundRequest, isInitializeRequest, type Transport } from '@modelcontextprotocol/server'
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node'
import { JSONRPC_ERRORS, requestIdOf } from '../src/jsonrpc.js'
import { BoundedEventStore, EventBudget, SSE_RETRY_MS } from '../src/mcp/event-store.js'
import type { SharedSession, SharedSessions } from '../src/mcp/shared-sessions.js'
import { trackServerRequests } from '../src/mcp/track-server-requests.js'
import { parseJsonBody, sendJsonRpcError, handOver, refuseUnscopedCall, retryAfterSeconds, useJsonRpcBodies } from './mcp-http.js'

/** Bytes of resumable events all sessions together may hold (each session also has its own bound). */
export const EVENT_STORE_TOTAL_BYTES = 64 * 1024 * 1024

export { SSE_RETRY_MS }

/** The first revision of the sessionless era. */
const MODERN_ERA_START = '2026-07-28'

/** The endpoint and its trailing-slash twin. */
export const MCP_PATHS = ['/mcp', '/mcp/'] as const

/** A session being opened by an initialize request, whichever way it is kept. */
interface NewSession {
  transport: Transport
  serve: (req: IncomingMessage, res: ServerResponse, message: unknown) => Promise<void>
  close: () => Promise<void>
}

function header (request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value[0] : value
}

export default async function mcpRoutes (fastify: FastifyInstance): Promise<void> {
  if (!fastify.hasDecorator('mcp')) throw new Error('register plugins/mcp-sessions.ts before routes/mcp.ts')
  const { sessions, createServer, jsonResponse, modern, listenMaxMs } = fastify.mcp
  const { config } = fastify
  const guard = fastify.security.mcpSessions
  const live = new Map<string, NodeStreamableHTTPServerTransport>()
  const eventBudget = new EventBudget(EVENT_STORE_TOTAL_BYTES)
  const { shared } = fastify.mcp
  if (shared !== undefined) {
    await shared.start({
      added: (copy) => { sessions.add({ id: copy.id, kind: 'streamable', close: copy.close }) },
      removed: (id) => {
        guard.forget(id)
        sessions.remove(id)
      }
    })
    // A stream or a long call open here is use too: the session's idle TTL in Redis restarts while it lasts.
    const keepAlive = setInterval(() => {
      shared.keepAlive(sessions.busyIds()).catch((error: unknown) => { fastify.log.warn({ err: error }, 'refreshing MCP sessions in Redis failed') })
    }, Math.max(250, Math.floor(config.SESSION_IDLE_MS / 3)))
    keepAlive.unref()
    fastify.addHook('onClose', async () => { clearInterval(keepAlive) })
  }

  // Encapsulated: read every body as text here, so bad JSON and wrong media types get JSON-RPC answers.
  useJsonRpcBodies(fastify, 'MCP request failed')

  // A listen stream lives at most listenMaxMs, then is cut and the client listens again (python-sdk#3493: streams held
  // open forever pin serverless invocations and proxies). The SDK caps how many are open (MAX_LISTEN_STREAMS).
  function expireListenStream (reply: FastifyReply): void {
    const timer = setTimeout(() => { reply.raw.destroy() }, listenMaxMs)
    timer.unref()
    reply.raw.once('close', () => { clearTimeout(timer) })
  }

  async function openSession (request: FastifyRequest, reply: FastifyReply, message: unknown): Promise<void> {
    // The per-principal quota first, so one client cannot take every slot of MAX_SESSIONS (src/auth/mcp-session-guard.ts).
    const slot = await guard.reserve(fastify.security.quotaKeyOf(request))
    if (slot === null) {
      await fastify.security.holdRefusal(config.SESSION_IDLE_MS)
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
    const owner = request.principal?.id ?? null
    let sessionId: string | undefined
    // The session has its id (initialize succeeded): it is the caller's, holds its quota slot and a place in the table.
    const registered = (id: string, close: () => Promise<void>): void => {
      sessionId = id
      guard.bind(id, owner, slot)
      sessions.add({ id, kind: 'streamable', close })
      release()
    }
    const session = shared === undefined ? await openLocalSession(registered) : await openSharedSession(shared, owner, message, registered)
    trackServerRequests(session.transport, () => sessionId === undefined ? () => {} : sessions.track(sessionId))
    try {
      await handOver(request, reply, async () => { await session.serve(request.raw, reply.raw, message) })
    } finally {
      release()
      // The initialize request was refused (bad params…): nothing was registered, so nothing else will close it.
      if (sessionId === undefined) {
        slot()
        await session.close()
      }
    }
  }

  /** A new session of this process only (no REDIS_URL): an SDK Node transport with the bounded in-memory event store. */
  async function openLocalSession (registered: (id: string, close: () => Promise<void>) => void): Promise<NewSession> {
    const server = createServer('legacy')
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
        live.set(id, transport)
        registered(id, async () => { await server.close() })
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
    return { transport, serve: async (req, res, message) => { await transport.handleRequest(req, res, message) }, close: async () => { await server.close() } }
  }

  /** A new session stored in Redis (REDIS_URL), which every instance serves (src/mcp/shared-sessions.ts). */
  async function openSharedSession (store: SharedSessions, owner: string | null, initialize: unknown, registered: (id: string, close: () => Promise<void>) => void): Promise<NewSession> {
    const copy: SharedSession = await store.create(owner, initialize, (id) => { registered(id, copy.close) })
    return { transport: copy.transport, serve: copy.serve, close: copy.close }
  }

  /**
   * With REDIS_URL: a session opened on any instance, alive until DELETE or idle expiry, served here by a local copy
   * (rebuilt from Redis on first use, src/mcp/shared-sessions.ts). Redis unreachable → 503: the session is not lost.
   */
  async function serveSharedSession (request: FastifyRequest, reply: FastifyReply, sessionId: string, message: unknown): Promise<void> {
    const store = shared as SharedSessions
    let copy: SharedSession | null
    try {
      // Another principal's session is as unknown as an ended one: no existence oracle.
      copy = await store.find(sessionId, request.principal?.id ?? null)
    } catch (error) {
      request.log.warn({ err: error, sessionId }, 'MCP session store (Redis) unreachable')
      reply.header('retry-after', '1')
      return await sendJsonRpcError(reply, 503, requestIdOf(message), JSONRPC_ERRORS.SERVER_ERROR, 'MCP session store unavailable; retry shortly (the session is kept)')
    }
    if (copy === null) return await sendJsonRpcError(reply, 404, requestIdOf(message), -32001, 'Session not found')
    const served = copy
    reply.raw.once('close', sessions.track(sessionId))
    await handOver(request, reply, async () => { await served.serve(request.raw, reply.raw, message) })
  }

  /** A 2025-era message (or GET/DELETE) for an existing session, or an initialize that opens one. */
  async function serveSession (request: FastifyRequest, reply: FastifyReply, message?: unknown): Promise<void> {
    const sessionId = header(request, 'mcp-session-id')
    if (sessionId === undefined || sessionId === '') {
      if (message !== undefined && isInitializeRequest(message)) return await openSession(request, reply, message)
      return await sendJsonRpcError(reply, 400, requestIdOf(message), JSONRPC_ERRORS.SERVER_ERROR,
        'Bad Request: Mcp-Session-Id header is required (send initialize first)')
    }
    if (shared !== undefined) return await serveSharedSession(request, reply, sessionId, message)
    // Another principal's session is as unknown as an ended one: no existence oracle.
    const transport = guard.allows(sessionId, request.principal?.id ?? null) ? live.get(sessionId) : undefined
    // spec: a terminated or unknown session → 404, and the client starts a new session with initialize.
    if (transport === undefined) return await sendJsonRpcError(reply, 404, requestIdOf(message), -32001, 'Session not found')
    reply.raw.once('close', sessions.track(sessionId))
    await handOver(request, reply, async () => { await transport.handleRequest(request.raw, reply.raw, message) })
  }

  for (const url of MCP_PATHS) {
    fastify.post(url, { config: { access: 'mcp' } }, async (request, reply) => {
      const parsed = parseJsonBody(request)
      if (!parsed.ok) return await sendJsonRpcError(reply, parsed.status, null, parsed.code, parsed.message)
      const message = parsed.value
      const refused = refuseUnscopedCall(fastify, request, reply, message)
      if (refused !== null) return await refused
      const route = classifyInboundRequest({
        httpMethod: 'POST',
        protocolVersionHeader: header(request, 'mcp-protocol-version'),
        mcpMethodHeader: header(request, 'mcp-method'),
        mcpNameHeader: header(request, 'mcp-name'),
        body: message
      })
      // The modern path owns all of its answers, its validation-ladder rejections included.
      if (route.kind !== 'legacy') {
        if (route.kind === 'modern' && (message as { method?: unknown }).method === 'subscriptions/listen') expireListenStream(reply)
        return await handOver(request, reply, async () => { await modern(request.raw, reply.raw, message) })
      }
      if (Array.isArray(message)) {
        return await sendJsonRpcError(reply, 400, null, JSONRPC_ERRORS.INVALID_REQUEST,
          'Invalid Request: JSON-RPC batches are not supported (removed from MCP in protocol revision 2025-06-18); send one message per POST')
      }
      await serveSession(request, reply, message)
    })

    // GET (the session's server→client stream, or a resume with Last-Event-ID) and DELETE (end the session) exist
    // only in 2025 sessions; a request naming the modern revision goes to the modern handler, which answers 405.
    for (const method of ['GET', 'DELETE'] as const) {
      fastify.route({
        method,
        url,
        config: { access: 'mcp' },
        exposeHeadRoute: false,
        handler: async (request, reply) => {
          const version = header(request, 'mcp-protocol-version')
          // The SDK's own era test: a revision dated 2026-07-28 or later is modern (shared/reference/mcp-2026.md §1.1).
          if (header(request, 'mcp-session-id') === undefined && version !== undefined && version >= MODERN_ERA_START) {
            return await handOver(request, reply, async () => { await modern(request.raw, reply.raw) })
          }
          await serveSession(request, reply)
        }
      })
    }

    // spec: methods the endpoint does not serve → 405 with Allow.
    fastify.route({
      method: ['PUT', 'PATCH', 'HEAD'],
      url,
      config: { access: 'mcp' },
      handler: async (_request, reply) => {
        reply.header('allow', 'GET, POST, DELETE')
        return await sendJsonRpcError(reply, 405, null, JSONRPC_ERRORS.SERVER_ERROR, 'Method not allowed: use POST, GET or DELETE')
      }
    })
  }
}
