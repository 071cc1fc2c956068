/**
 * The JSON-RPC methods of the routes POST /mcp/initialize, /mcp/tools/list and /mcp/tools/call (seed 004's contract:
 * one method per route, the caller's event channel handed out by initialize), answered straight from the tool
 * registry: no MCP session, no SDK protocol layer, arguments validated once (by the registry).
 * Envelope errors follow JSON-RPC: -32700 parse (the route), -32600 not a request, -32601 wrong method for the route,
 * -32602 bad params, unknown tool or invalid arguments. Every call is answered: the registry's deadline bounds a tool.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { checkRequestEnvelope, createError, createResponse, JSONRPC_ERRORS, type JsonRpcResponse } from './jsonrpc.js'
import { isValidClientId } from './mcp/client-id.js'
import { SERVER_INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from './server-info.js'
import { formatZodIssues, ToolCallError, ToolCancelledError, ToolDeadlineError, type ToolRegistry } from './tools/registry.js'
import type { Logger } from 'pino'
import type { ProgressUpdate, ToolContext, ToolResult } from './tools/types.js'

/** Route → the one method it answers. */
export const JSONRPC_ROUTES = {
  '/mcp/initialize': 'initialize',
  '/mcp/tools/list': 'tools/list',
  '/mcp/tools/call': 'tools/call'
} as const
export type JsonRpcRouteMethod = typeof JSONRPC_ROUTES[keyof typeof JSONRPC_ROUTES]

const ROUTE_OF = new Map<string, string>(Object.entries(JSONRPC_ROUTES).map(([route, method]) => [method, route]))

/**
 * Protocol revisions with an initialize handshake (MCP 2026-07-28 has none: its clients use POST /mcp), newest
 * first. A client asking for another one gets the newest (spec 2025-11-25, lifecycle §"Version Negotiation").
 */
export const HANDSHAKE_PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'] as const

const paramsSchemas = {
  // Seed 004's clients sent initialize with partial params; fill the spec's required fields instead of refusing.
  initialize: z.object({
    protocolVersion: z.string().default(HANDSHAKE_PROTOCOL_VERSIONS[0]),
    capabilities: z.record(z.string(), z.unknown()).default({}),
    clientInfo: z.object({ name: z.string(), version: z.string() }).loose().default({ name: 'unnamed-client', version: '0' })
  }).loose(),
  'tools/list': z.object({ cursor: z.string().optional() }).loose(),
  'tools/call': z.object({
    name: z.string().min(1, 'name is required'),
    arguments: z.record(z.string(), z.unknown()).optional()
  }).loose()
} satisfies Record<JsonRpcRouteMethod, z.ZodType>

/** `mcp_<ms>_<hex>`, seed 004's client id shape with a random tail. */
export function newClientId (): string {
  return `mcp_${Date.now()}_${randomBytes(6).toString('hex')}`
}

export type ToolCallOutcome =
  | { ok: true, result: ToolResult }
  | { ok: false, code: number, message: string }

/**
 * One tool call, its outcome in JSON-RPC terms, for the surfaces without MCP sessions (these routes and REST, which
 * maps the code to an HTTP status with httpStatusOfCode). Never rejects.
 */
export async function callTool (tools: ToolRegistry, name: string, args: unknown, ctx: ToolContext): Promise<ToolCallOutcome> {
  try {
    return { ok: true, result: await tools.call(name, args, ctx) }
  } catch (error) {
    if (error instanceof ToolCallError) return { ok: false, code: error.code, message: error.message }
    if (error instanceof ToolDeadlineError) return { ok: false, code: JSONRPC_ERRORS.DEADLINE_EXCEEDED, message: error.message }
    if (error instanceof ToolCancelledError) return { ok: false, code: JSONRPC_ERRORS.REQUEST_CANCELLED, message: 'Request cancelled' }
    ctx.log.error({ err: error, tool: name }, 'tool call failed')
    return { ok: false, code: JSONRPC_ERRORS.INTERNAL_ERROR, message: 'Internal error' }
  }
}

/** What a route knows about one HTTP request. */
export interface JsonRpcCall {
  body: unknown
  /** The authenticated principal (plugins/security.ts), or null in open mode: it owns the call's chart. */
  principal: string | null
  /** The X-Client-Id header: where the call's chart_progress events go (none: broadcast). */
  clientIdHeader: string | string[] | undefined
  log: Logger
  /** Aborts when the HTTP client goes away (tools/call only: the others answer at once). */
  signal?: AbortSignal
  /**
   * Where a surface with a stream of its own (GET /sse) sends a tools/call's `notifications/progress`, when the
   * request's `params._meta.progressToken` asks for them (MCP spec, utilities/progress). Absent: no progress.
   */
  notify?: (notification: JsonRpcNotification) => void
}

/** A JSON-RPC notification this server sends (no id, no answer expected). */
export interface JsonRpcNotification {
  jsonrpc: '2.0'
  method: string
  params: Record<string, unknown>
}

/** The methods a session that carries all of them answers (GET /sse's stream, routes/sse-stream.ts). */
export const SESSION_METHODS = Object.values(JSONRPC_ROUTES)

function progressTokenOf (params: Record<string, unknown> | undefined): string | number | undefined {
  const meta = params?._meta
  if (typeof meta !== 'object' || meta === null) return undefined
  const token = (meta as Record<string, unknown>).progressToken
  return typeof token === 'string' || typeof token === 'number' ? token : undefined
}

const never = new AbortController().signal
const noProgress = (): void => {}

/**
 * Answers one JSON-RPC request. `method` is the one method a route answers (seed 004: one route per method), or
 * null for a session that answers every method of SESSION_METHODS on one URL (GET /sse's message endpoint).
 */
export type JsonRpcAnswer = (method: JsonRpcRouteMethod | null, call: JsonRpcCall) => Promise<JsonRpcResponse>

export function createJsonRpcMethods (tools: ToolRegistry): JsonRpcAnswer {
  // The same object every time, so its JSON text is cached by identity (src/jsonrpc-serialize.ts).
  const listResult = { tools: tools.describe() }

  return async function answer (routeMethod, call) {
    const envelope = checkRequestEnvelope(call.body)
    if (!envelope.ok) return envelope.error
    const { request } = envelope
    if (routeMethod === null && !(SESSION_METHODS as string[]).includes(request.method)) {
      return createError(request.id, JSONRPC_ERRORS.METHOD_NOT_FOUND, `Unknown method ${request.method}; this stream answers ${SESSION_METHODS.join(', ')}`)
    }
    const method = routeMethod ?? request.method as JsonRpcRouteMethod
    if (request.method !== method) {
      const route = ROUTE_OF.get(request.method)
      const hint = route === undefined ? '' : `; POST ${request.method} to ${route}`
      return createError(request.id, JSONRPC_ERRORS.METHOD_NOT_FOUND, `This route answers only ${method}, not ${request.method}${hint}`)
    }
    // tools/list without params (the common case) has nothing to check.
    if (method === 'tools/list' && request.params === undefined) {
      return createResponse(request.id, listResult)
    }
    const parsed = paramsSchemas[method].safeParse(request.params ?? {})
    if (!parsed.success) return createError(request.id, JSONRPC_ERRORS.INVALID_PARAMS, `Invalid params: ${formatZodIssues(parsed.error.issues)}`)

    const clientId = isValidClientId(call.clientIdHeader) ? call.clientIdHeader : null
    switch (method) {
      case 'tools/list':
        // No pagination: five tools fit one page, so a cursor never changes the answer.
        return createResponse(request.id, listResult)
      case 'initialize': {
        const { protocolVersion } = parsed.data as { protocolVersion: string }
        // Also tells the client its event channel: progress of its later calls (sent with X-Client-Id) goes there.
        const channel = clientId ?? newClientId()
        return createResponse(request.id, {
          protocolVersion: (HANDSHAKE_PROTOCOL_VERSIONS as readonly string[]).includes(protocolVersion) ? protocolVersion : HANDSHAKE_PROTOCOL_VERSIONS[0],
          // Only what these routes serve: tools (no list-change notices: there is no stream to send them on).
          capabilities: { tools: {} },
          serverInfo: { name: SERVER_NAME, version: SERVER_VERSION },
          instructions: SERVER_INSTRUCTIONS,
          clientId: channel,
          eventsUrl: `/mcp/events/${channel}`
        })
      }
      case 'tools/call': {
        const params = parsed.data as { name: string, arguments?: Record<string, unknown> }
        const token = progressTokenOf(request.params)
        const notify = call.notify
        const progress = token === undefined || notify === undefined
          ? noProgress
          : (update: ProgressUpdate) => { notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, ...update } }) }
        const outcome = await callTool(tools, params.name, params.arguments ?? {}, {
          signal: call.signal ?? never,
          caller: { principal: call.principal, clientId },
          // chart_progress travels on the caller's event channel (the chart service publishes it); notifications/progress
          // only where the surface has a stream (notify) and the caller asked (progressToken).
          progress,
          log: call.log
        })
        return outcome.ok ? createResponse(request.id, outcome.result as unknown as Record<string, unknown>) : createError(request.id, outcome.code, outcome.message)
      }
    }
  }
}
