/**
 * TEMPORARY (issue 8, until the JSON-RPC routes and REST call the tool registry directly): the SDK 1.x McpServer that
 * plugins/seed-dispatcher.ts still drives in-process. Only the five chart tools; no MCP transport uses it.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { McpDeps } from './deps.js'
import { registerChartTools } from './tools.js'
import { cacheToolsList } from './tools-list-cache.js'
import { SERVER_NAME, SERVER_VERSION } from './server.js'

export function createSeedMcpServer (deps: McpDeps): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, { capabilities: { tools: {}, logging: {} } })
  registerChartTools(server, deps)
  cacheToolsList(server)
  return server
}
