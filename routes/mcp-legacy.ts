/**
 * Legacy MCP HTTP+SSE transport (protocol 2024-11-05) for clients that predate Streamable HTTP:
 * `GET /mcp/legacy/sse` opens the stream (first event `endpoint` naming the POST URL with this session's id) and
 * `POST /mcp/legacy/messages?sessionId=…` carries the client's messages (replies travel on the stream as
 * `event: message`). The SDK's frozen v1 `SSEServerTransport` (@modelcontextprotocol/server-legacy/sse: v2 itself no
 * longer serves this transport); this route adds what it lacks: routing across sessions (missing id
 * → 400, unknown → 404: a POST reaches only the session it names), keep-alive comments, `X-Accel-Buffering: no`,
 * and the session cap shared with Streamable HTTP. With REDIS_URL a POST may land on any instance: one for a stream
 * held elsewhere is relayed to its holder (src/mcp/relayed-streams.ts) and answered 202 as a local one is.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { SSEServerTransport } from '@modelcontextprotocol/server-legacy/sse'
import { parseJSONRPCMessage } from '@modelcontextprotocol/server'
import { authInfoOf } from '../src/auth/mcp-auth-info.js'
import { JSONRPC_ERRORS } from '../src/jsonrpc.js'
import type { SharedSessions } from '../src/mcp/shared-sessions.js'
import { KEEPALIVE_FRAME } from '../src/sse/frame.js'
import { handOver, parseJsonBody, refuseUnscopedCall, retryAfterSeconds, sendJsonRpcError, useJsonRpcBodies } from './mcp-http.js'

export const LEGACY_SSE_PATH = '/mcp/legacy/sse'
export const LEGACY_MESSAGES_PATH = '/mcp/legacy/messages'

async function notFound (reply: FastifyReply): Promise<FastifyReply> {
  return await sendJsonRpcError(reply, 404, null, -32001, 'Session not found: open a new stream at GET ' + LEGACY_SSE_PATH)
}

function isJsonRpcMessage (value: unknown): boolean {
  try {
    parseJSONRPCMessage(value)
    return true
  } catch {
    return false
  }
}

export default async function mcpLegacyRoutes (fastify: FastifyInstance): Promise<void> {
  if (!fastify.hasDecorator('mcp')) throw new Error('register plugins/mcp-sessions.ts before routes/mcp-legacy.ts')
  const { sessions, createServer, shared } = fastify.mcp
  const { config } = fastify
  const guard = fastify.security.mcpSessions
  const live = new Map<string, SSEServerTransport>()

  useJsonRpcBodies(fastify, 'legacy MCP request failed')

  fastify.get(LEGACY_SSE_PATH, { config: { access: 'mcp-legacy' }, exposeHeadRoute: false }, async (request, reply) => {
    const slot = await guard.reserve(fastify.security.quotaKeyOf(request))
    if (slot === null) {
      await fastify.security.holdRefusal(config.SESSION_IDLE_MS)
      reply.header('retry-after', String(retryAfterSeconds(config.SESSION_IDLE_MS)))
      return await sendJsonRpcError(reply, 429, null, JSONRPC_ERRORS.SERVER_ERROR, `You hold ${guard.maxPerKey} MCP sessions, the most one client may; close a stream or retry later`)
    }
    const release = sessions.reserve()
    if (release === null) {
      slot()
      reply.header('retry-after', String(retryAfterSeconds(config.SESSION_IDLE_MS)))
      return await sendJsonRpcError(reply, 503, null, JSONRPC_ERRORS.SERVER_ERROR,
        `Too many MCP sessions (MAX_SESSIONS=${config.MAX_SESSIONS}); retry later`)
    }
    const server = createServer('legacy')
    const transport = new SSEServerTransport(LEGACY_MESSAGES_PATH, reply.raw)
    const id = transport.sessionId
    guard.bind(id, request.principal?.id ?? null, slot)
    let keepAlive: NodeJS.Timeout | undefined
    let unannounce: (() => void) | undefined
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      unannounce?.()
      if (keepAlive !== undefined) clearInterval(keepAlive)
      live.delete(id)
      guard.forget(id)
      sessions.remove(id)
      server.close().catch(() => {})
    }
    transport.onclose = end
    // The SDK's writeHead merges these: proxies must not buffer the stream (nginx) nor transform it.
    reply.raw.setHeader('x-accel-buffering', 'no')
    await handOver(request, reply, async () => {
      try {
        await server.connect(transport) // writes the headers and the `endpoint` event
      } finally {
        release()
      }
      live.set(id, transport)
      // A relayed POST is fed to the transport as a local one is (handlePostMessage → handleMessage, with req.auth).
      unannounce = shared?.streams.open('legacy', id, request.principal?.id ?? null, (post) => {
        transport.handleMessage(post.body, post.authInfo === undefined ? undefined : { authInfo: post.authInfo }).catch((error: unknown) => {
          request.log.warn({ err: error, sessionId: id }, 'relayed legacy MCP message failed')
        })
      })
      sessions.add({ id, kind: 'legacy', close: async () => { await transport.close() } })
      // The session lives exactly as long as its stream: open while connected, so never idle-reaped mid-stream.
      reply.raw.once('close', sessions.track(id))
      reply.raw.once('close', end)
      keepAlive = setInterval(() => {
        if (!reply.raw.writableEnded) reply.raw.write(KEEPALIVE_FRAME)
      }, config.KEEPALIVE_MS)
      keepAlive.unref()
    })
  })

  fastify.post(LEGACY_MESSAGES_PATH, { config: { access: 'mcp-legacy' } }, async (request, reply) => {
    const { sessionId } = request.query as { sessionId?: unknown }
    if (typeof sessionId !== 'string' || sessionId === '') {
      return await sendJsonRpcError(reply, 400, null, JSONRPC_ERRORS.SERVER_ERROR, 'Bad Request: the sessionId query parameter is required (from the endpoint event)')
    }
    // Another principal's session is as unknown as an ended one: no existence oracle.
    const transport = guard.allows(sessionId, request.principal?.id ?? null) ? live.get(sessionId) : undefined
    if (transport === undefined && (shared === undefined || live.has(sessionId))) return await notFound(reply)
    const parsed = parseJsonBody(request)
    if (!parsed.ok) return await sendJsonRpcError(reply, parsed.status, null, parsed.code, parsed.message)
    // Checked here so a bad message gets a JSON-RPC error (the SDK would answer with the body echoed as plain text).
    if (!isJsonRpcMessage(parsed.value)) {
      return await sendJsonRpcError(reply, 400, null, JSONRPC_ERRORS.INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message (batches are not supported)')
    }
    const refused = refuseUnscopedCall(fastify, request, reply, parsed.value)
    if (refused !== null) return await refused
    if (transport === undefined) return await relay(request, reply, sessionId, parsed.value)
    const done = sessions.track(sessionId)
    reply.raw.once('close', done)
    await handOver(request, reply, async () => { await transport.handlePostMessage(request.raw, reply.raw, parsed.value) })
  })

  /** A message for a stream this instance does not hold: to the instance that does, if the caller's (REDIS_URL). */
  async function relay (request: FastifyRequest, reply: FastifyReply, sessionId: string, body: unknown): Promise<FastifyReply> {
    let relayed: boolean
    try {
      relayed = await (shared as SharedSessions).streams.forward('legacy', sessionId, { body, principal: request.principal?.id ?? null, authInfo: authInfoOf(request.principal) })
    } catch (error) {
      request.log.warn({ err: error }, 'relaying a legacy MCP message failed')
      return await sendJsonRpcError(reply, 503, null, JSONRPC_ERRORS.SERVER_ERROR, 'Session store unreachable: retry shortly')
    }
    if (!relayed) return await notFound(reply)
    // As the SDK answers a local POST (SSEServerTransport.handlePostMessage).
    return await reply.code(202).type('text/plain; charset=utf-8').send('Accepted')
  }
}
