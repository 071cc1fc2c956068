/**
 * The REST surface (seed 000's, fixed): `GET /mcp/tools`, `POST /mcp/tools/:toolName`, and `GET /api`, which points
 * to the OpenAPI document (`/docs/json`, generated from the route schemas: plugins/external/openapi.ts) and its page.
 * Seed 000 spawned a child process per call with no validation, timeout or spawn-error handling. Here every call goes
 * to the tool registry (src/tools), like every other surface: arguments are validated once by the tool's own schema,
 * tool failures come back as `isError` results (MCP spec, server/tools "Error Handling"), and a call that outlives
 * the registry's deadline gets a 504 instead of a hung connection.
 * Encapsulated (not fp): the JSON body parser applies only to these routes; errors outside the handlers (bad JSON,
 * wrong media type, too large) get the app's `{ error, statusCode }` body (src/app.ts). Each route
 * names its access family (src/auth/policy.ts): plugins/security.ts checks Host/Origin, credentials, scope and rate
 * limit, and answers refusals in the same shape.
 */
import type { FastifyInstance } from 'fastify'
import { callTool } from '../src/jsonrpc-methods.js'
import { httpStatusOfCode } from '../src/jsonrpc.js'
import { SERVER_NAME, SERVER_VERSION } from '../src/server-info.js'
import { errorBody, readClientId, requestToolContext } from './http-tool-call.js'
import { acceptJsonBodiesOnly } from './json-bodies.js'

/** An error body that may also list the tools (an unknown tool's 404). */
const toolErrorBody = {
  ...errorBody,
  properties: { ...errorBody.properties, availableTools: { type: 'array', items: { type: 'string' } } }
} as const

const openObject = { type: 'object', additionalProperties: true } as const

const toolSummary = {
  type: 'object',
  required: ['name', 'inputSchema'],
  properties: {
    name: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    inputSchema: openObject,
    annotations: openObject
  }
} as const

const callToolResult = {
  type: 'object',
  required: ['content'],
  properties: {
    // Text, image, audio, resource and resource_link items: passed through as the tool made them.
    content: { type: 'array', items: openObject },
    structuredContent: openObject,
    isError: { type: 'boolean' }
  }
} as const

const apiPointer = {
  type: 'object',
  required: ['name', 'version', 'docs', 'openapi'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    description: { type: 'string' },
    docs: { type: 'string' },
    openapi: { type: 'string' },
    tools: { type: 'array', items: { type: 'string' } }
  }
} as const

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export default async function restRoutes (fastify: FastifyInstance): Promise<void> {
  const { tools } = fastify
  acceptJsonBodiesOnly(fastify)

  fastify.get('/mcp/tools', {
    config: { access: 'rest-read' },
    schema: {
      response: {
        200: { type: 'object', required: ['tools'], properties: { tools: { type: 'array', items: toolSummary } } },
        401: errorBody,
        403: errorBody,
        500: errorBody
      }
    }
  }, async () => {
    // The registry's descriptors never change (and are what JSON-RPC tools/list sends): no paging.
    return { tools: tools.describe() }
  })

  fastify.post<{ Params: { toolName: string }, Body: unknown, Headers: { 'x-client-id'?: string } }>('/mcp/tools/:toolName', {
    config: { access: 'rest-call' },
    schema: {
      params: { type: 'object', required: ['toolName'], properties: { toolName: { type: 'string', minLength: 1, maxLength: 128 } } },
      response: {
        200: callToolResult,
        400: errorBody,
        401: errorBody,
        403: errorBody,
        404: toolErrorBody,
        413: errorBody,
        415: errorBody,
        500: errorBody,
        503: errorBody,
        504: errorBody
      }
    }
  }, async (request, reply) => {
    const { toolName } = request.params
    if (tools.get(toolName) === undefined) {
      return await reply.code(404).send({
        error: `Unknown tool: ${toolName}. GET /mcp/tools lists the tools and their arguments.`,
        statusCode: 404,
        availableTools: tools.names()
      })
    }
    const args = request.body ?? {}
    if (!isPlainObject(args)) {
      return await reply.code(400).send({ error: `The body must be a JSON object of ${toolName}'s arguments (or empty for none)`, statusCode: 400 })
    }
    const client = readClientId(request)
    if ('error' in client) return await reply.code(400).send({ error: client.error, statusCode: 400 })

    const outcome = await callTool(tools, toolName, args, requestToolContext(request, reply, client.clientId))
    if (outcome.ok) return outcome.result
    const status = httpStatusOfCode(outcome.code)
    if (status === 499) request.log.info({ toolName }, 'REST tool call cancelled: the client went away')
    else if (status === 504) request.log.warn({ toolName }, 'REST tool call passed its deadline')
    else if (status >= 500) request.log.error({ toolName, code: outcome.code, message: outcome.message }, 'REST tool call failed')
    // 4xx and 504 messages say what to do; a 5xx says nothing of our internals.
    const message = status < 500 || status === 504 ? outcome.message : status === 503 ? 'The server is shutting down; try again shortly' : 'Internal Server Error'
    return await reply.code(status).send({ error: message, statusCode: status })
  })

  // Seed 000's /api was a hand-written list of routes; the OpenAPI document is generated from the routes themselves.
  fastify.get('/api', {
    config: { access: 'rest-read' },
    schema: { response: { 200: apiPointer, 401: errorBody, 403: errorBody } }
  }, async () => ({
    name: SERVER_NAME,
    version: SERVER_VERSION,
    description: 'MCP server that makes trading charts and streams their progress over SSE. Every route, with its parameters and bodies, is in the OpenAPI document.',
    docs: '/docs',
    openapi: '/docs/json',
    tools: tools.names()
  }))
}
