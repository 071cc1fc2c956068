/**
 * Seed 004's JSON-RPC routes. Encapsulated: its error handler (JSON parse errors → -32700) applies only here.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js'
import { abortOnDisconnect } from '../src/http/abort-on-disconnect.js'
import { createError, httpStatusOf, JSONRPC_ERRORS } from '../src/jsonrpc.js'
import { serializeResponse } from '../src/jsonrpc-serialize.js'
import { SEED_METHODS } from '../src/mcp/seed-dispatcher.js'
import { authInfoOf } from '../src/auth/mcp-auth-info.js'

const NOT_JSON = createError(null, JSONRPC_ERRORS.INVALID_REQUEST, 'Content-Type must be application/json')

export default async function seedJsonRpcRoutes (fastify: FastifyInstance): Promise<void> {
  // One McpServer serves every seed call (plugins/seed-dispatcher.ts): these routes carry no session, only an
  // optional X-Client-Id.
  const dispatcher = fastify.seedDispatcher

  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return await reply.code(415).send(NOT_JSON)
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return await reply.code(413).send(createError(null, JSONRPC_ERRORS.INVALID_REQUEST, 'Request body is too large'))
    }
    if (error.statusCode === 400 && (error.code?.startsWith('FST_ERR_CTP') === true || error instanceof SyntaxError)) {
      return await reply.code(400).send(createError(null, JSONRPC_ERRORS.PARSE_ERROR, 'Parse error: the body is not valid JSON'))
    }
    request.log.error({ err: error }, 'seed JSON-RPC route failed')
    return await reply.code(500).send(createError(null, JSONRPC_ERRORS.INTERNAL_ERROR, 'Internal error'))
  })

  for (const [url, method] of Object.entries(SEED_METHODS)) {
    // No Fastify schema: the body is a JSON-RPC envelope checked by the dispatcher (errors must be JSON-RPC, not
    // Fastify's 400), and X-Client-Id is checked where it is used (src/mcp/client-id.ts).
    fastify.post(url, { config: { access: method === 'tools/call' ? 'json-rpc-call' : 'json-rpc' } }, async (request, reply) => {
      // Fastify also parses text/plain; JSON-RPC bodies must be declared as JSON.
      if (!isJsonContentType(request.headers['content-type'])) return await reply.code(415).send(NOT_JSON)
      // Only a tool call does work worth cancelling when its client leaves; the others answer at once.
      const signal = method === 'tools/call' ? abortOnDisconnect(reply.raw) : undefined
      const response = await dispatcher.dispatch(method, request.body, request.headers, signal, authInfoOf(request.principal))
      return await reply.code(httpStatusOf(response)).type('application/json; charset=utf-8').send(serializeResponse(response))
    })
  }
}
