import type { Config } from '../config.js'
import type { ChartServiceApi } from '../chart/service-types.js'
import type { EventBus } from '../events/bus.js'
import type { HealthReport } from '../health.js'

/** What the product tools need from the core; the same for every surface and built once per process. */
export interface ToolDeps {
  config: Pick<Config, 'CHART_IMG_STORAGE' | 'HISTORY_MAX_AGE_DAYS' | 'HISTORY_MAX_ROWS' | 'CHART_IMG_TIMEOUT_MS' | 'CHART_IMG_MAX_ATTEMPTS'>
  charts: ChartServiceApi
  bus: EventBus
  health: () => Promise<HealthReport>
}
