/**
 * Where we reach into SDK 1.32's McpServer internals (protocol-errors.ts, tool-call-turns.ts, tools-list-cache.ts,
 * seed-dispatcher.ts), through this one file so an SDK upgrade has one place to check (test/core/protocol-errors.test.ts,
 * test/core/tools-list-cache.test.ts and test/seed-routes.test.ts fail if these names change):
 * - `server._requestHandlers`: the Protocol's method → handler map, to wrap tools/call and tools/list and to ask
 *   tools/list of the server directly;
 * - `_registeredTools`: McpServer's registry, to tell an unknown tool from a failing one.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { ZodType } from 'zod'

export type RequestHandler = (request: { method: string, params?: { name?: unknown, arguments?: unknown } }, extra: unknown) => Promise<unknown>

interface Internals {
  server: { _requestHandlers: Map<string, RequestHandler> }
  _registeredTools: Record<string, { enabled: boolean, inputSchema?: ZodType }>
}

export function requestHandlers (server: McpServer): Map<string, RequestHandler> {
  return (server as unknown as Internals).server._requestHandlers
}

export function registeredTools (server: McpServer): Internals['_registeredTools'] {
  return (server as unknown as Internals)._registeredTools
}
