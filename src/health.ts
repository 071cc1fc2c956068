import type { ChartEngine } from './chart/engine.js'
import type { RedisProbeResult } from './redis/health-probe.js'

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
  /**
   * The shared store (REDIS_URL only): reachable by a real round-trip, cached about a second; `subscribed` whether
   * this instance hears the other instances (event bus, MCP relay; false while they re-subscribe after a reconnect).
   */
  redis?: { reachable: boolean, latencyMs: number | null, subscribed: boolean }
}

export interface HealthSources {
  engine: Pick<ChartEngine, 'name' | 'status'>
  clientCount: () => number
  startedAt: number
  version: string
  /** Why the history store cannot take new charts (disk full, read-only…), or null; see HistoryStore.problem. */
  storeProblem: () => string | null
  /** The shared store's reachability (REDIS_URL only). */
  sharedStore?: () => Promise<RedisProbeResult>
  /** Why this instance may miss messages of the other instances (a Redis subscriber re-subscribing), or null. */
  subscriptionProblem?: () => string | null
}

/**
 * `ok` when the engine in use can render and the store works; `degraded` when rendering works but something
 * around it does not (the store cannot be written, Chart-IMG did not answer a reachability probe), with the reasons;
 * `unavailable` when no chart can be made (HTTP 503).
 */
export async function checkHealth (sources: HealthSources): Promise<HealthReport> {
  const engine = await sources.engine.status()
  const storeProblem = sources.storeProblem()
  const shared = await sources.sharedStore?.()
  const subscriptionProblem = sources.subscriptionProblem?.() ?? null
  const reasons: string[] = []
  if (!engine.ready) reasons.push(engine.detail)
  if (engine.problem !== undefined) reasons.push(engine.problem)
  if (storeProblem !== null) reasons.push(`History store: ${storeProblem}; charts cannot be saved until an operator fixes DATA_DIR`)
  if (shared?.problem != null) reasons.push(`Shared store: ${shared.problem}; charts cannot be recorded or shared between instances until it answers again (this instance reconnects by itself)`)
  else if (subscriptionProblem !== null) reasons.push(`Redis pub/sub: ${subscriptionProblem}`)
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
    reasons,
    ...(shared === undefined ? {} : { redis: { reachable: shared.reachable, latencyMs: shared.latencyMs, subscribed: subscriptionProblem === null } })
  }
}

/**
 * Readiness (`GET /mcp/health/ready`): whether a load balancer should send this instance new work. Not ready when no
 * chart can be made, or when the shared store is unreachable (its requests would fail or not be seen by the others)
 * or the event bus is not subscribed yet (its clients would miss events published meanwhile);
 * liveness is `/mcp/health`, which stays 200 while degraded so the instance is not restarted for Redis' outage.
 */
export function isReady (report: HealthReport): boolean {
  return report.status !== 'unavailable' && report.redis?.reachable !== false && report.redis?.subscribed !== false
}
