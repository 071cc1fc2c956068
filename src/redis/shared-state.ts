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

export interface SharedState {
  redis: Redis
  probe: RedisHealthProbe
  history: HistoryStore
  usage: DailyUsage
  close: () => Promise<void>
}

export function openSharedState (config: Config & { REDIS_URL: string }, log: Logger): SharedState {
  const redis = openRedisConnection({ url: config.REDIS_URL, name: 'state', log })
  const probe = new RedisHealthProbe(redis, { url: config.REDIS_URL })
  const keyPrefix = config.REDIS_KEY_PREFIX
  const ttlSeconds = config.HISTORY_MAX_AGE_DAYS * 86_400
  const images = config.IMAGE_DIR === undefined
    ? createRedisImageStore(redis, keyPrefix, ttlSeconds)
    : createDirectoryImageStore(prepareDataDir(config.IMAGE_DIR, '.'))
  const history = openRedisHistoryStore({ redis, keyPrefix, images, probe, maxRows: config.HISTORY_MAX_ROWS, maxAgeDays: config.HISTORY_MAX_AGE_DAYS, log })
  return {
    redis,
    probe,
    history,
    usage: createRedisDailyUsage(redis, keyPrefix),
    close: async () => { await closeRedisConnection(redis) }
  }
}
