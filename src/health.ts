import type { ChartEngine } from './chart/engine.js'

/** `GET /mcp/health` and the `health_check` tool report the same facts. */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable'
  timestamp: string
  clientCount: number
  chartServiceConfigured: boolean
  engine: 'local' | 'chart-img'
  engineDetail: string
  uptime: number
  version: string
}

export interface HealthSources {
  engine: Pick<ChartEngine, 'name' | 'status'>
  clientCount: () => number
  startedAt: number
  version: string
  /** False when the history store cannot be written (disk full, file removed…). */
  storeWritable: () => boolean
}

/**
 * `ok` when the engine in use can render and the store works; `degraded` when rendering works but something
 * around it does not (the store); `unavailable` when no chart can be made (HTTP 503).
 */
export async function checkHealth (sources: HealthSources): Promise<HealthReport> {
  const engine = await sources.engine.status()
  const storeOk = sources.storeWritable()
  let status: HealthReport['status'] = 'ok'
  if (!engine.ready) status = 'unavailable'
  else if (!storeOk) status = 'degraded'
  return {
    status,
    timestamp: new Date().toISOString(),
    clientCount: sources.clientCount(),
    chartServiceConfigured: engine.ready,
    engine: sources.engine.name,
    engineDetail: storeOk ? engine.detail : `${engine.detail}; history store is not writable`,
    uptime: Math.round((Date.now() - sources.startedAt) / 1000),
    version: sources.version
  }
}
