/**
 * Helpers shared by the MCP route plugins (routes/mcp.ts, routes/mcp-legacy.ts). Not a route plugin itself.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { isJsonContentType } from '@modelcontextprotocol/server'
import { authInfoOf, type McpAuthInfo } from '../src/auth/mcp-auth-info.js'
import { scopeOfMcpMessage } from '../src/auth/policy.js'
import { classifyRequestError } from '../src/http/request-errors.js'
import { createError, JSONRPC_ERRORS, jsonRpcErrorOf, type JsonRpcId } from '../src/jsonrpc.js'

export async function sendJsonRpcError (reply: FastifyReply, status: number, id: JsonRpcId, code: number, message: string): Promise<FastifyReply> {
  return await reply.code(status).header('content-type', 'application/json').header('cache-control', 'no-store').send(createError(id, code, message))
}

/**
 * For an encapsulated MCP route plugin: every body is read as text (parseJsonBody checks and parses it, so a wrong
 * media type or bad JSON gets the MCP transports' JSON-RPC answers), and request errors get the app's one
 * classification (src/http/request-errors.ts) worded as JSON-RPC (jsonRpcErrorOf): 413 for a body too large, the
 * client's own 4xx as -32600, anything else a logged 500.
 */
export function useJsonRpcBodies (fastify: FastifyInstance, failureLog: string): void {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    const failure = classifyRequestError(error)
    if (failure.kind === 'internal') request.log.error({ err: error }, failureLog)
    return await reply.code(failure.status).header('content-type', 'application/json').header('cache-control', 'no-store').send(jsonRpcErrorOf(failure))
  })
}

export type ParsedBody =
  | { ok: true, value: unknown }
  | { ok: false, status: 400 | 415, code: number, message: string }

/** The body read as text by the route's content-type parser, checked and parsed. */
export function parseJsonBody (request: FastifyRequest): ParsedBody {
  // The SDK's check: the parsed media type, never a substring match.
  if (!isJsonContentType(request.headers['content-type'])) {
    return { ok: false, status: 415, code: JSONRPC_ERRORS.SERVER_ERROR, message: 'Unsupported Media Type: Content-Type must be application/json' }
  }
  const text = typeof request.body === 'string' ? request.body : ''
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, status: 400, code: JSONRPC_ERRORS.PARSE_ERROR, message: 'Parse error: the body is not valid JSON' }
  }
}

/**
 * Hands the raw request/response to an SDK transport. Headers already set on the reply by hooks (CORS, security) are
 * copied onto the raw response first: a hijacked reply never writes them itself. A failure before anything was sent
 * becomes a JSON-RPC 500; after that the socket is closed (the stream cannot carry a late error).
 */
export async function handOver (request: FastifyRequest, reply: FastifyReply, run: () => Promise<void>): Promise<void> {
  // The SDK transports read the caller from req.auth (→ extra.authInfo): how tools learn the principal.
  (request.raw as IncomingMessage & { auth?: McpAuthInfo }).auth = authInfoOf(request.principal)
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) reply.raw.setHeader(name, value)
  }
  reply.hijack()
  try {
    await run()
  } catch (error) {
    request.log.error({ err: error }, 'MCP transport failed')
    if (!reply.raw.headersSent) {
      reply.raw.writeHead(500, { 'content-type': 'application/json' })
      reply.raw.end(JSON.stringify(createError(null, JSONRPC_ERRORS.INTERNAL_ERROR, 'Internal error')))
    } else {
      reply.raw.destroy()
    }
  }
}

/**
 * A `tools/call` of a tool that is not read-only needs `charts:write` (src/auth/policy.ts scopeOfMcpMessage), checked
 * once the body is read, before either era's handler sees it: null to go on, else the 403 `insufficient_scope` reply
 * (MCP authorization 2026-07-28 §"Scope challenge": the client may step up and retry).
 */
export function refuseUnscopedCall (fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply, message: unknown): FastifyReply | null {
  if (request.principal === null || !fastify.hasDecorator('tools')) return null
  const scope = scopeOfMcpMessage(message, (name) => {
    const tool = fastify.tools.get(name)
    return tool === undefined ? undefined : tool.annotations?.readOnlyHint === true
  })
  return scope === undefined ? null : fastify.security.requireScope(request, reply, scope)
}

/** Retry-After for a full session table: sessions free up at the latest after the idle timeout; ask again within a minute. */
export function retryAfterSeconds (idleMs: number): number {
  return Math.max(1, Math.min(60, Math.ceil(idleMs / 1000)))
}
