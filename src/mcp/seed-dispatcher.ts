/**
 * Seed 004's JSON-RPC routes: POST /mcp/initialize, /mcp/tools/list, /mcp/tools/call. Each route answers one
 * method, through the same McpServer registrations as every other surface (via DirectTransport).
 * Envelope errors follow JSON-RPC: -32700 parse, -32600 not a request, -32601 wrong method, -32602 bad params.
 */
import { randomBytes } from 'node:crypto'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { checkRequestEnvelope, createError, createResponse, JSONRPC_ERRORS, type JsonRpcResponse } from '../jsonrpc.js'
import { isValidClientId } from './client-id.js'
import type { McpAuthInfo } from '../auth/mcp-auth-info.js'
import { DirectTransport } from './direct-transport.js'
import { formatZodIssues } from './protocol-errors.js'
import { requestHandlers } from './sdk-internals.js'

export const SEED_METHODS = {
  '/mcp/initialize': 'initialize',
  '/mcp/tools/list': 'tools/list',
  '/mcp/tools/call': 'tools/call'
} as const
export type SeedMethod = typeof SEED_METHODS[keyof typeof SEED_METHODS]

const ROUTE_OF: Record<SeedMethod, string> = Object.fromEntries(Object.entries(SEED_METHODS).map(([route, method]) => [method, route])) as Record<SeedMethod, string>

const paramsSchemas: Record<SeedMethod, z.ZodType> = {
  // Seed 004's clients sent initialize with partial params; fill the spec's required fields instead of refusing.
  initialize: z.object({
    protocolVersion: z.string().default(LATEST_PROTOCOL_VERSION),
    capabilities: z.record(z.string(), z.unknown()).default({}),
    clientInfo: z.object({ name: z.string(), version: z.string() }).loose().default({ name: 'seed-client', version: '0' })
  }).loose(),
  'tools/list': z.object({ cursor: z.string().optional() }).loose(),
  'tools/call': z.object({
    name: z.string().min(1, 'name is required'),
    arguments: z.record(z.string(), z.unknown()).optional()
  }).loose()
}

/** `mcp_<ms>_<hex>`, seed 004's client id shape with a random tail. */
export function newClientId (): string {
  return `mcp_${Date.now()}_${randomBytes(6).toString('hex')}`
}

export interface SeedDispatcher {
  /** `signal`: abort when the caller goes away (see DirectTransport.request). */
  dispatch: (method: SeedMethod, body: unknown, headers: Record<string, string | string[] | undefined>, signal?: AbortSignal, authInfo?: McpAuthInfo) => Promise<JsonRpcResponse>
  close: () => Promise<void>
}

export async function createSeedDispatcher (server: McpServer): Promise<SeedDispatcher> {
  const transport = new DirectTransport()
  await server.connect(transport)
  // tools/list is a pure read of this server's tool registry (answered from cache, tools-list-cache.ts), so it is
  // asked of the server's own handler directly: the SDK Protocol's per-message work (schema checks of the envelope,
  // an AbortController, a promise chain) was a fifth of the seed route's cost for an answer that never changes.
  const listTools = requestHandlers(server).get('tools/list')
  if (listTools === undefined) throw new Error('createSeedDispatcher: the server has no tools/list handler')

  return {
    async dispatch (method, body, headers, signal, authInfo) {
      const envelope = checkRequestEnvelope(body)
      if (!envelope.ok) return envelope.error
      const { request } = envelope
      if (request.method !== method) {
        const hint = request.method in ROUTE_OF ? `; POST ${request.method} to ${ROUTE_OF[request.method as SeedMethod]}` : ''
        return createError(request.id, JSONRPC_ERRORS.METHOD_NOT_FOUND, `This route answers only ${method}, not ${request.method}${hint}`)
      }
      // tools/list without params (the common case) has nothing to check.
      let forwarded = request
      if (method !== 'tools/list' || request.params !== undefined) {
        const params = paramsSchemas[method].safeParse(request.params ?? {})
        if (!params.success) return createError(request.id, JSONRPC_ERRORS.INVALID_PARAMS, `Invalid params: ${formatZodIssues(params.error.issues)}`)
        forwarded = { ...request, params: params.data as Record<string, unknown> }
      }

      if (method === 'tools/list') {
        return createResponse(request.id, await listTools(forwarded, {}) as Record<string, unknown>)
      }
      if (method !== 'initialize') return await transport.request(forwarded, headers, signal, authInfo)

      // initialize also tells the client its event channel: progress of its later calls (sent with X-Client-Id) goes there.
      const header = headers['x-client-id']
      const clientId = isValidClientId(header) ? header : newClientId()
      const response = await transport.request(forwarded, headers)
      if ('error' in response) return response
      return { ...response, result: { ...response.result, clientId, eventsUrl: `/mcp/events/${clientId}` } }
    },
    close: async () => { await server.close() }
  }
}
