/**
 * One McpServer with everything a client can use: the five chart tools, the chart resources and prompts, and — only
 * when asked (MCP_CONFORMANCE_FIXTURES=1) — the conformance suite's fixtures. Streamable HTTP creates one per session,
 * legacy SSE one per connection, stdio one per process.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv'
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js'
import type { McpDeps } from './deps.js'
import { registerConformanceFixtures } from './fixtures/index.js'
import { registerChartPrompts } from './prompts.js'
import { registerChartResources } from './resources.js'
import { ResourceSubscriptions } from './subscriptions.js'
import { registerChartTools } from './tools.js'
import { cacheToolsList } from './tools-list-cache.js'
import { VERSION } from '../version.js'

export const SERVER_NAME = 'chart-img-mcp'

export const SERVER_VERSION = VERSION

export interface McpServerOptions {
  /** Adds the conformance fixtures (test tools, resources and prompts). Never on by default. */
  fixtures: boolean
}

/**
 * The SDK builds an Ajv instance (~20 KB) for every Server, but only uses it to check elicitation replies, which the
 * product tools never request. Build it on first use instead: with one server per session, this is memory that
 * 1,000 idle sessions would otherwise hold for nothing. (Not shared across sessions: Ajv caches every schema it
 * compiles, so a shared one would grow without bound.)
 */
function lazyValidator (): jsonSchemaValidator {
  let inner: AjvJsonSchemaValidator | undefined
  return { getValidator: (schema) => (inner ??= new AjvJsonSchemaValidator()).getValidator(schema) }
}

export function createMcpServer (deps: McpDeps, options: McpServerOptions): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, {
    jsonSchemaValidator: lazyValidator(),
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {}
    },
    instructions: 'Makes trading charts. Call get_available_symbols to see what can be drawn, then generate_chart. ' +
      'Progress arrives as notifications/progress when you send a progressToken.'
  })
  registerChartTools(server, deps)
  const subscriptions = new ResourceSubscriptions(server)
  registerChartResources(server, deps, subscriptions)
  registerChartPrompts(server, deps)
  if (options.fixtures) registerConformanceFixtures(server, subscriptions)
  cacheToolsList(server)
  return server
}
