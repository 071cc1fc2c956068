import type { Logger } from 'pino'
import type { Config } from '../config.js'
import type { ChartServiceApi } from '../chart/service-types.js'
import type { EventBus } from '../events/bus.js'
import type { HealthReport } from '../health.js'

/** What the MCP layer (tools, resources, prompts) needs from the core. Same for every transport. */
export interface McpDeps {
  config: Config
  charts: ChartServiceApi
  bus: EventBus
  health: () => Promise<HealthReport>
  log: Logger
}
