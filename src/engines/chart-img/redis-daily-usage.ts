/**
 * Chart-IMG daily usage in Redis (REDIS_URL), so every instance spends from one daily cap:
 * `<prefix>chartimg:usage:<YYYY-MM-DD>` is an integer counted with INCR, expiring KEEP_DAYS after the day's first
 * request (the same retention as the SQLite table).
 */
import type { Redis } from 'ioredis'
import { KEEP_DAYS, type DailyUsage } from './daily-usage.js'
import { sharedStoreCall } from '../../redis/shared-store-call.js'

export function createRedisDailyUsage (redis: Redis, keyPrefix: string): DailyUsage {
  const key = (day: string): string => `${keyPrefix}chartimg:usage:${day}`
  return {
    async count (day) {
      const value = await sharedStoreCall('read the Chart-IMG daily usage', async () => await redis.get(key(day)))
      return value === null ? 0 : Number(value)
    },
    async increment (day) {
      const results = await sharedStoreCall('count a Chart-IMG request', async () => await redis.multi()
        .incr(key(day))
        .expire(key(day), KEEP_DAYS * 86_400, 'NX')
        .exec())
      const [error, total] = results?.[0] ?? [new Error('MULTI was discarded'), null]
      if (error !== null) throw error
      return Number(total)
    },
    async decrement (day) {
      await sharedStoreCall('give back a Chart-IMG request', async () => await redis.decr(key(day)))
    }
  }
}
