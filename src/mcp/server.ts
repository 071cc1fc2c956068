/**
 * One McpServer (SDK v2) with everything a client can use: the tool registry's tools (src/mcp/tool-adapter.ts), the
 * chart resources and prompts, and — only when asked (MCP_CONFORMANCE_FIXTURES=1) — the conformance suite's
 * fixtures. The same factory backs both eras, so their definitions cannot drift apart: a 2025 Streamable HTTP
 * session, a legacy SSE connection and stdio build one per connection, the 2026-07-28 handler one per request.
 */
import { McpServer, type ServerNotifier } from '@modelcontextprotocol/server'
import type { ToolRegistry } from '../tools/registry.js'
import type { McpDeps } from './deps.js'
import type { InFlightCalls } from './in-flight.js'
import { conformanceFixtureTools, registerConformanceFixtures } from './fixtures/index.js'
import { registerChartPrompts } from './prompts.js'
import { requestStateCodec } from './request-state.js'
import { registerChartResources } from './resources.js'
import { ResourceSubscriptions } from './subscriptions.js'
import { serveTools, type McpEra } from './tool-adapter.js'
import { VERSION } from '../version.js'

export type { McpEra } from './tool-adapter.js'

export const SERVER_NAME = 'chart-img-mcp'

export const SERVER_VERSION = VERSION

/** The core's MCP deps plus the process's tool registry (plugins/tool-registry.ts). */
export interface McpServerDeps extends McpDeps {
  tools: ToolRegistry
}

export interface McpServerOptions {
  era: McpEra
  /** Adds the conformance fixtures (test tools, resources and prompts). Never on by default. */
  fixtures: boolean
  /** Where 2026 list-change events go (the HTTP handler's bus); the fixtures' trigger tools publish there. */
  notifier?: () => ServerNotifier | undefined
  /** Where tool calls are tracked for the drain on close (one per process). */
  inFlight: InFlightCalls
}

export const INSTRUCTIONS = 'Makes trading charts. Call get_available_symbols to see what can be drawn, then generate_chart. ' +
  'Progress arrives as notifications/progress when you send a progressToken.'

export function createMcpServer (deps: McpServerDeps, options: McpServerOptions): McpServer {
  const { era, fixtures } = options
  // Advertised only where we publish: chart requests appear (resources list) and complete (resource updates) on
  // every surface; the tool and prompt lists never change, except through the conformance fixtures' triggers. In
  // 2025 sessions only per-resource subscriptions are sent (src/mcp/subscriptions.ts); in 2026 the list changes go
  // to subscriptions/listen (plugins/mcp-sessions.ts).
  const server = new McpServer({ name: SERVER_NAME, version: SERVER_VERSION }, {
    capabilities: {
      tools: { listChanged: fixtures },
      resources: { subscribe: true, listChanged: era === 'modern' },
      prompts: { listChanged: fixtures },
      logging: {},
      completions: {}
    },
    instructions: INSTRUCTIONS,
    // MRTR: every echoed requestState is verified (HMAC, expiry, caller and method binding) before a handler runs.
    requestState: { verify: requestStateCodec.verify }
  })
  serveTools(server, {
    registry: deps.tools,
    era,
    log: deps.log,
    inFlight: options.inFlight,
    ...(fixtures ? { extra: conformanceFixtureTools(options.notifier ?? (() => undefined)) } : {})
  })
  const subscriptions = era === 'legacy' ? new ResourceSubscriptions(server) : undefined
  registerChartResources(server, deps, subscriptions)
  registerChartPrompts(server, deps)
  if (fixtures) registerConformanceFixtures(server, subscriptions)
  return server
}
