/**
 * The core, free of Fastify: history store, chart engine and chart service, built from config. The HTTP app
 * (plugins/core.ts) and stdio (src/stdio.ts) both use it, so every surface shares one implementation.
 */
import type { Logger } from 'pino'
import type { Config } from './config.js'
import type { ChartEngine } from './chart/engine.js'
import { createChartService } from './chart/service.js'
import type { ChartServiceApi } from './chart/service-types.js'
import { createChartImgEngine } from './engines/chart-img/chart-img-engine.js'
import { createDailyUsage, type DailyUsage } from './engines/chart-img/daily-usage.js'
import { createLocalEngine } from './engines/local/local-engine.js'
import type { EventBus } from './events/bus.js'
import { checkHealth, type HealthReport } from './health.js'
import { openHistoryStore } from './history/sqlite-history.js'
import type { HistoryStore } from './history/types.js'
import type { BarCache } from './market/bar-cache.js'
import { openConfiguredBarCache } from './market/open-bar-cache.js'
import { providersFromConfig } from './market/providers/registry.js'
import { openSharedState, type SharedState } from './redis/shared-state.js'
import { TurnQueue } from './scheduling/turn-queue.js'
import { VERSION } from './version.js'

export interface Core {
  history: HistoryStore
  /** The shared state layer when REDIS_URL is set (its connection is for this core's stores only). */
  shared: SharedState | null
  engine: ChartEngine
  charts: ChartServiceApi
  health: () => Promise<HealthReport>
  /** Graceful shutdown of chart work (ChartService.drain): refuse new and queued charts, let running ones finish by the deadline. */
  drain: (deadlineMs: number) => Promise<{ finished: number, aborted: number }>
  /**
   * Sets the absolute base of image URLs once the listening address is known (unless PUBLIC_BASE_URL is set). Until
   * then (and always over stdio) image URLs are file:// URLs of the stored images.
   */
  setBaseUrl: (url: string) => void
  /** Another Redis subscriber readiness waits for (its SubscriptionState.problem). */
  addSubscription: (problem: () => string | null) => void
  close: () => Promise<void>
}

export interface CoreOptions {
  config: Config
  bus: EventBus
  log: Logger
  /** Number of open per-client SSE channels (0 for stdio). */
  clientCount?: () => number
  /** An engine in place of the one the config chooses (MCP transport tests pass a fast fake); the core closes it. */
  engine?: ChartEngine
}

export function createEngine (config: Config, usage: () => DailyUsage, log: Logger, turns?: TurnQueue): ChartEngine {
  if (config.CHART_IMG_API_KEY !== undefined) {
    return createChartImgEngine({
      apiKey: config.CHART_IMG_API_KEY,
      baseUrl: config.CHART_IMG_BASE_URL,
      plan: config.CHART_IMG_PLAN,
      timeoutMs: config.CHART_IMG_TIMEOUT_MS,
      maxAttempts: config.CHART_IMG_MAX_ATTEMPTS,
      maxResponseBytes: config.CHART_IMG_MAX_RESPONSE_BYTES,
      symbolsTtlMs: config.CHART_IMG_SYMBOLS_TTL_MS,
      usage: usage(),
      log: log.child({ engine: 'chart-img' })
    })
  }
  const marketLog = log.child({ component: 'market-data' })
  // Opened only when a provider needs it (bars or a daily request count): Redis when REDIS_URL is set, else SQLite.
  let marketCache: BarCache | undefined
  const openMarketCache = (): BarCache => (marketCache ??= openConfiguredBarCache(config, marketLog))
  const market = providersFromConfig(config, marketLog, openMarketCache)
  return createLocalEngine({
    providers: market.providers,
    disabledProviders: market.disabled,
    marketCache: market.providers.length > 0 ? openMarketCache() : undefined,
    workers: config.RENDER_WORKERS,
    queueLimit: config.RENDER_QUEUE_LIMIT,
    cacheEntries: config.RENDER_CACHE_ENTRIES,
    marketDataDir: config.MARKET_DATA_DIR,
    turns,
    log: log.child({ engine: 'local' })
  })
}

export function formatBaseUrl (host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`
}

export function createCore (options: CoreOptions): Core {
  const { config, bus, log } = options
  const startedAt = Date.now()
  const { REDIS_URL } = config
  const shared = REDIS_URL === undefined ? null : openSharedState({ ...config, REDIS_URL }, log)
  let history: HistoryStore
  let usage: () => DailyUsage
  if (shared === null) {
    const sqlite = openHistoryStore({ dataDir: config.DATA_DIR, maxRows: config.HISTORY_MAX_ROWS, maxAgeDays: config.HISTORY_MAX_AGE_DAYS, minFreeBytes: config.DATA_DIR_MIN_FREE_BYTES, log })
    history = sqlite
    usage = () => createDailyUsage(sqlite.db)
  } else {
    history = shared.history
    usage = () => shared.usage
  }
  // One queue for all synchronous chart work, so a burst's intake and preparation take turns with each other too.
  const turns = new TurnQueue()
  const engine = options.engine ?? createEngine(config, usage, log, turns)
  let baseUrl: string | null = config.PUBLIC_BASE_URL ?? null
  const charts = createChartService({ engine, history, bus, publicBaseUrl: () => baseUrl, turns, log })
  let closed = false
  // Redis subscribers whose gaps readiness must wait out: the bus here, the MCP relay (plugins/mcp-sessions.ts).
  const subscriptions: Array<() => string | null> = bus.problem === undefined ? [] : [bus.problem]
  return {
    history,
    shared,
    engine,
    charts,
    health: async () => await checkHealth({
      engine,
      clientCount: options.clientCount ?? (() => 0),
      startedAt,
      version: VERSION,
      // With Redis, the store's problem is Redis' (reported by sharedStore, with its own words).
      storeProblem: shared === null ? history.problem : () => null,
      sharedStore: shared === null ? undefined : async () => await shared.probe.check(),
      subscriptionProblem: () => {
        for (const problem of subscriptions) {
          const found = problem()
          if (found !== null) return found
        }
        return null
      }
    }),
    drain: async (deadlineMs) => await charts.drain(deadlineMs),
    addSubscription (problem) {
      subscriptions.push(problem)
    },
    setBaseUrl (url) {
      if (config.PUBLIC_BASE_URL === undefined) baseUrl = url
    },
    async close () {
      if (closed) return
      closed = true
      await engine.close()
      await history.close()
      await shared?.close()
    }
  }
}
