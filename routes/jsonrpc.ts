/**
 * The JSON-RPC routes POST /mcp/initialize, /mcp/tools/list, /mcp/tools/call (seed 004's contract), answered by the
 * tool registry through src/jsonrpc-methods.ts. Encapsulated: its body parser and error handler (every refusal a
 * JSON-RPC error: bad JSON -32700, anything else about the request -32600) apply only here.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { abortOnDisconnect } from '../src/http/abort-on-disconnect.js'
import { classifyRequestError } from '../src/http/request-errors.js'
import { httpStatusOf, jsonRpcErrorOf } from '../src/jsonrpc.js'
import { createJsonRpcMethods, JSONRPC_ROUTES } from '../src/jsonrpc-methods.js'
import { serializeResponse } from '../src/jsonrpc-serialize.js'
import { acceptJsonBodiesOnly } from './json-bodies.js'

export default async function jsonRpcRoutes (fastify: FastifyInstance): Promise<void> {
  const answer = createJsonRpcMethods(fastify.tools)
  acceptJsonBodiesOnly(fastify)

  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    const failure = classifyRequestError(error)
    if (failure.kind === 'internal') request.log.error({ err: error }, 'JSON-RPC route failed')
    return await reply.code(failure.status).send(jsonRpcErrorOf(failure))
  })

  for (const [url, method] of Object.entries(JSONRPC_ROUTES)) {
    // No Fastify schema: the body is a JSON-RPC envelope whose errors must be JSON-RPC, not Fastify's 400; an invalid
    // X-Client-Id is ignored (broadcast), as seed 004 did with any id.
    fastify.post(url, { config: { access: method === 'tools/call' ? 'json-rpc-call' : 'json-rpc' } }, async (request, reply) => {
      const response = await answer(method, {
        body: request.body,
        principal: request.principal?.id ?? null,
        clientIdHeader: request.headers['x-client-id'],
        // Fastify's logger is pino; its type only names the methods Fastify itself uses (as in plugins/config.ts).
        log: request.log as unknown as Logger,
        // Only a tool call does work worth cancelling when its client leaves; the others answer at once.
        signal: method === 'tools/call' ? abortOnDisconnect(reply.raw) : undefined
      })
      return await reply.code(httpStatusOf(response)).type('application/json; charset=utf-8').send(serializeResponse(response))
    })
  }
}
