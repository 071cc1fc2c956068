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
  /** Why the status is not `ok`, one plain sentence each (empty when ok; always set by checkHealth). */
  reasons?: string[]
}

export interface HealthSources {
  engine: Pick<ChartEngine, 'name' | 'status'>
  clientCount: () => number
  startedAt: number
  version: string
  /** Why the history store cannot take new charts (disk full, read-only…), or null; see HistoryStore.problem. */
  storeProblem: () => string | null
}

/**
 * `ok` when the engine in use can render and the store works; `degraded` when rendering works but something
 * around it does not (the store cannot be written, Chart-IMG did not answer a reachability probe), with the reasons;
 * `unavailable` when no chart can be made (HTTP 503).
 */
export async function checkHealth (sources: HealthSources): Promise<HealthReport> {
  const engine = await sources.engine.status()
  const storeProblem = sources.storeProblem()
  const reasons: string[] = []
  if (!engine.ready) reasons.push(engine.detail)
  if (engine.problem !== undefined) reasons.push(engine.problem)
  if (storeProblem !== null) reasons.push(`History store: ${storeProblem}; charts cannot be saved until an operator fixes DATA_DIR`)
  let status: HealthReport['status'] = 'ok'
  if (!engine.ready) status = 'unavailable'
  else if (reasons.length > 0) status = 'degraded'
  return {
    status,
    timestamp: new Date().toISOString(),
    clientCount: sources.clientCount(),
    chartServiceConfigured: engine.ready,
    engine: sources.engine.name,
    engineDetail: [engine.detail, ...reasons.filter((r) => r !== engine.detail)].join('; '),
    uptime: Math.round((Date.now() - sources.startedAt) / 1000),
    version: sources.version,
    reasons
  }
}
