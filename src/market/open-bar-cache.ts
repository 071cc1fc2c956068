/** The bar cache a configuration asks for: Redis when REDIS_URL is set (shared by instances), else SQLite in DATA_DIR. */
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { BarCache } from './bar-cache.js'
import { openRedisBarCache } from './redis-bar-cache.js'
import { openSqliteBarCache } from './sqlite-bar-cache.js'

export function openConfiguredBarCache (config: { REDIS_URL?: string, DATA_DIR: string }, log: Logger): BarCache {
  if (config.REDIS_URL !== undefined) return openRedisBarCache({ url: config.REDIS_URL, log })
  return openSqliteBarCache(join(config.DATA_DIR, 'market-cache.sqlite'))
}
