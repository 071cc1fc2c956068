/**
 * Seed 000's REST surface, fixed: `GET /mcp/tools`, `POST /mcp/tools/:toolName`, `GET /api`.
 * Seed 000 spawned a child process per call with no validation, timeout or spawn-error handling. Here every call
 * goes through the same McpServer registrations as the MCP transports (via the seed dispatcher), so arguments are
 * validated by the tool's own zod schema, tool failures come back as `isError` results (MCP spec, server/tools
 * "Error Handling"), and a call that outlives its deadline gets a 504 instead of a hung connection.
 * Encapsulated (not fp): the JSON parser tweak and the error handler apply only to these routes. Each route names
 * its access family (src/auth/policy.ts): plugins/security.ts checks Host/Origin, credentials, scope and rate limit,
 * and answers refusals as `{ error, statusCode }`, the same shape as every error here.
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import { mountedRoutes, type ApiRoute } from '../src/api-index.js'
import { SERVER_NAME, SERVER_VERSION } from '../src/mcp/server.js'
import { httpStatusOf } from '../src/jsonrpc.js'
import { CLIENT_ID_PATTERN } from '../src/mcp/client-id.js'

import { abortOnDisconnect } from '../src/http/abort-on-disconnect.js'
import { authInfoOf } from '../src/auth/mcp-auth-info.js'

interface ToolSummary {
  name: string
  title?: string
  description?: string
  inputSchema: Record<string, unknown>
  annotations?: Record<string, unknown>
}

const errorBody = {
  type: 'object',
  required: ['error', 'statusCode'],
  properties: {
    error: { type: 'string' },
    statusCode: { type: 'integer' },
    availableTools: { type: 'array', items: { type: 'string' } }
  }
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

const apiIndex = {
  type: 'object',
  required: ['name', 'version', 'routes'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    description: { type: 'string' },
    tools: { type: 'array', items: { type: 'string' } },
    routes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['method', 'path', 'description'],
        properties: {
          method: { type: 'string' },
          path: { type: 'string' },
          group: { type: 'string' },
          description: { type: 'string' }
        }
      }
    }
  }
} as const

const clientIdHeader = {
  type: 'object',
  properties: { 'x-client-id': { type: 'string', pattern: CLIENT_ID_PATTERN.source } }
} as const

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The longest a REST tool call may take before the caller gets a 504. Engines enforce their own limits (Chart-IMG:
 * CHART_IMG_TIMEOUT_MS per attempt, CHART_IMG_MAX_ATTEMPTS attempts; the embedded renderer: its queue); this is a
 * safety net above them so no connection can hang forever, as seed 000's did.
 */
function toolCallDeadlineMs (config: { CHART_IMG_TIMEOUT_MS: number, CHART_IMG_MAX_ATTEMPTS: number }): number {
  return config.CHART_IMG_TIMEOUT_MS * config.CHART_IMG_MAX_ATTEMPTS + 60_000
}

const TIMED_OUT = Symbol('timed out')

/** Resolves with the work's value, or TIMED_OUT once `ms` pass; the timer never holds the process open. */
async function withDeadline<T> (work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  const expiry = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT)
    timer.unref()
  })
  try {
    return await Promise.race([work, expiry])
  } finally {
    clearTimeout(timer)
  }
}

export default async function restRoutes (fastify: FastifyInstance): Promise<void> {
  const dispatcher = fastify.seedDispatcher
  const deadlineMs = toolCallDeadlineMs(fastify.config)
  let nextId = 1

  // Answered from the McpServer's cached list (src/mcp/tools-list-cache.ts), which the SDK never pages.
  async function listTools (): Promise<ToolSummary[]> {
    const response = await dispatcher.dispatch('tools/list', { jsonrpc: '2.0', id: nextId++, method: 'tools/list' }, {})
    if ('error' in response) throw new Error(`tools/list failed: ${response.error.message}`)
    return (response.result as { tools: ToolSummary[] }).tools
  }

  // An empty body counts as "no arguments" (`curl -X POST -H 'content-type: application/json' …/health_check`);
  // everything else goes to Fastify's own JSON parser, which keeps its prototype-poisoning protection.
  // Only JSON is accepted: without the default text/plain parser, any other Content-Type gets a 415.
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') {
      done(null, undefined)
      return
    }
    parseJson(request, body as string, done)
  })

  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    let status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
    let message = error.message
    if (error.validation !== undefined) {
      message = error.validationContext === 'headers'
        ? `X-Client-Id must be 1–128 letters, digits, '_' or '-' (${error.message})`
        : error.message
    } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      status = 415
      message = 'Content-Type must be application/json: send the tool arguments as a JSON object'
    } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      message = 'Request body is too large'
    } else if (status === 400 && (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP') === true)) {
      message = `The body is not valid JSON: ${error.message}`
    }
    if (status >= 500) {
      request.log.error({ err: error }, 'REST route failed')
      message = 'Internal Server Error'
    } else {
      request.log.info({ err: error }, 'REST request rejected')
    }
    return await reply.code(status).send({ error: message, statusCode: status })
  })

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
    return { tools: await listTools() }
  })

  fastify.post<{ Params: { toolName: string }, Body: unknown, Headers: { 'x-client-id'?: string } }>('/mcp/tools/:toolName', {
    config: { access: 'rest-call' },
    schema: {
      params: { type: 'object', required: ['toolName'], properties: { toolName: { type: 'string', minLength: 1, maxLength: 128 } } },
      headers: clientIdHeader,
      response: {
        200: callToolResult,
        400: errorBody,
        401: errorBody,
        403: errorBody,
        404: errorBody,
        413: errorBody,
        415: errorBody,
        500: errorBody,
        503: errorBody,
        504: errorBody
      }
    }
  }, async (request, reply) => {
    const { toolName } = request.params
    const tools = await listTools()
    if (!tools.some((tool) => tool.name === toolName)) {
      return await reply.code(404).send({
        error: `Unknown tool: ${toolName}. GET /mcp/tools lists the tools and their arguments.`,
        statusCode: 404,
        availableTools: tools.map((tool) => tool.name)
      })
    }
    const args = request.body ?? {}
    if (!isPlainObject(args)) {
      return await reply.code(400).send({ error: `The body must be a JSON object of ${toolName}'s arguments (or empty for none)`, statusCode: 400 })
    }

    const response = await withDeadline(
      dispatcher.dispatch('tools/call', { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: toolName, arguments: args } }, request.headers, abortOnDisconnect(reply.raw), authInfoOf(request.principal)),
      deadlineMs
    )
    if (response === TIMED_OUT) {
      request.log.warn({ toolName, deadlineMs }, 'REST tool call passed its deadline')
      return await reply.code(504).send({
        error: `${toolName} did not finish within ${Math.round(deadlineMs / 1000)} s. A chart may still complete: watch /mcp/events/<clientId> or call get_recent_requests.`,
        statusCode: 504
      })
    }
    if ('error' in response) {
      const status = httpStatusOf(response)
      if (status === 499) request.log.info({ toolName }, 'REST tool call cancelled: the client went away')
      else if (status >= 500 && status !== 503) request.log.error({ toolName, code: response.error.code, message: response.error.message }, 'REST tool call failed')
      const message = status === 400 ? response.error.message : status === 503 ? 'The server is shutting down; try again shortly' : 'Internal Server Error'
      return await reply.code(status).send({ error: message, statusCode: status })
    }
    return response.result
  })

  // The index is computed once, on first request, when every plugin has registered its routes.
  let index: { routes: ApiRoute[] } | undefined
  fastify.get('/api', {
    config: { access: 'rest-read' },
    schema: { response: { 200: apiIndex, 401: errorBody, 403: errorBody } }
  }, async (_request, reply) => {
    index ??= { routes: mountedRoutes((method, pattern) => fastify.hasRoute({ method, url: pattern })) }
    let toolNames: string[] = []
    try {
      toolNames = (await listTools()).map((tool) => tool.name)
    } catch (error) {
      // The index stays useful without the tool names; the failure is logged, not shown.
      reply.log.error({ err: error }, 'could not list tools for /api')
    }
    return {
      name: SERVER_NAME,
      version: SERVER_VERSION,
      description: 'MCP server that makes trading charts and streams their progress over SSE. Routes listed are the ones this instance serves.',
      tools: toolNames,
      routes: index.routes.map(({ method, path, group, description }) => ({ method, path, group, description }))
    }
  })
}
