/**
 * The product's tools, built once per process from the core and shared by every surface (JSON-RPC routes, REST,
 * stdio, both MCP eras).
 */
import { availableSymbolsTool } from './available-symbols.js'
import { chartStatusTool, recentRequestsTool } from './chart-history.js'
import type { ToolDeps } from './deps.js'
import { generateChartTool } from './generate-chart.js'
import { healthCheckTool } from './health-check.js'
import { ToolRegistry } from './registry.js'

export type { ToolDeps } from './deps.js'
export { describeRecord } from './chart-record.js'
export { PROGRESS_TOTAL } from './progress-relay.js'
export { ToolCallError, ToolCancelledError, ToolDeadlineError, ToolRegistry, defineTool, formatZodIssues, type ToolRegistryOptions } from './registry.js'
export type * from './types.js'

export const TOOL_NAMES = ['generate_chart', 'get_chart_status', 'get_available_symbols', 'get_recent_requests', 'health_check'] as const

/**
 * The longest a tool call may take. Engines enforce their own limits (Chart-IMG: CHART_IMG_TIMEOUT_MS per attempt,
 * CHART_IMG_MAX_ATTEMPTS attempts; the embedded renderer: its queue); this is a safety net above them so no caller
 * can wait forever, as seed 000's did.
 */
export function toolCallDeadlineMs (config: ToolDeps['config']): number {
  return config.CHART_IMG_TIMEOUT_MS * config.CHART_IMG_MAX_ATTEMPTS + 60_000
}

export function createToolRegistry (deps: ToolDeps): ToolRegistry {
  return new ToolRegistry([
    generateChartTool(deps),
    chartStatusTool(deps),
    availableSymbolsTool(deps),
    recentRequestsTool(deps),
    healthCheckTool(deps)
  ], { deadlineMs: toolCallDeadlineMs(deps.config) })
}
