/**
 * The shared state layer (REDIS_URL): request history, chart images (Redis, or IMAGE_DIR), Chart-IMG daily usage and
 * the reachability probe behind `/mcp/health` and `/mcp/health/ready`, on one Redis connection. Without REDIS_URL the
 * core keeps SQLite and DATA_DIR/charts and never opens this.
 */
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { Config } from '../config.js'
import { createRedisDailyUsage } from '../engines/chart-img/redis-daily-usage.js'
import type { DailyUsage } from '../engines/chart-img/daily-usage.js'
import { prepareDataDir } from '../history/data-dir.js'
import { createDirectoryImageStore } from '../history/directory-images.js'
import { createRedisImageStore } from '../history/redis-images.js'
import { openRedisHistoryStore } from '../history/redis-history.js'
import type { HistoryStore } from '../history/types.js'
import { closeRedisConnection, openRedisConnection } from './connection.js'
import { RedisHealthProbe } from './health-probe.js'
import { InstanceLiveness } from './instance-liveness.js'

export interface SharedState {
  redis: Redis
  probe: RedisHealthProbe
  /** This instance's id (history records, MCP relay channel) and liveness key, refreshed while open. */
  liveness: InstanceLiveness
  history: HistoryStore
  usage: DailyUsage
  /** Resolves once connected, or after `timeoutMs` (the server then starts degraded and connects when Redis does). */
  connected: (timeoutMs?: number) => Promise<boolean>
  close: () => Promise<void>
}

export function openSharedState (config: Config & { REDIS_URL: string }, log: Logger): SharedState {
  // Fail fast: during an outage a tool call answers at once with a clear error instead of waiting out reconnects.
  const redis = openRedisConnection({ url: config.REDIS_URL, name: 'state', log, failFast: true })
  const probe = new RedisHealthProbe(redis, { url: config.REDIS_URL })
  const keyPrefix = config.REDIS_KEY_PREFIX
  const ttlSeconds = config.HISTORY_MAX_AGE_DAYS * 86_400
  const images = config.IMAGE_DIR === undefined
    ? createRedisImageStore(redis, keyPrefix, ttlSeconds)
    : createDirectoryImageStore(prepareDataDir(config.IMAGE_DIR, '.'))
  const liveness = new InstanceLiveness({ redis, keyPrefix, periodMs: config.INSTANCE_HEARTBEAT_MS, log })
  liveness.start()
  const history = openRedisHistoryStore({ redis, keyPrefix, images, probe, liveness, maxRows: config.HISTORY_MAX_ROWS, maxAgeDays: config.HISTORY_MAX_AGE_DAYS, log })
  return {
    redis,
    probe,
    liveness,
    history,
    usage: createRedisDailyUsage(redis, keyPrefix),
    connected: async (timeoutMs = 5000) => await connectedWithin(redis, timeoutMs),
    close: async () => {
      await liveness.close()
      await closeRedisConnection(redis)
    }
  }
}

async function connectedWithin (redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true
  let timer: NodeJS.Timeout | undefined
  let onReady: (() => void) | undefined
  try {
    return await new Promise<boolean>((resolve) => {
      onReady = () => { resolve(true) }
      redis.once('ready', onReady)
      timer = setTimeout(() => { resolve(false) }, timeoutMs)
    })
  } finally {
    clearTimeout(timer)
    if (onReady !== undefined) redis.off('ready', onReady)
  }
}
