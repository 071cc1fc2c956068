/**
 * Chart images in Redis (REDIS_URL without IMAGE_DIR), so /charts/<file> answers on every instance:
 * `<prefix>image:<requestId>.<ext>` holds the image bytes and expires with its history row (HISTORY_MAX_AGE_DAYS);
 * a row pruned by count deletes its image (./redis-history.ts), so images are bounded like rows.
 */
import type { Redis } from 'ioredis'
import { sharedStoreCall } from '../redis/shared-store-call.js'
import type { ImageStore } from './types.js'

export function createRedisImageStore (redis: Redis, keyPrefix: string, ttlSeconds: number): ImageStore {
  const key = (file: string): string => `${keyPrefix}image:${file}`
  return {
    async save (file, data) {
      await sharedStoreCall('save the chart image', async () => await redis.set(key(file), data, 'EX', ttlSeconds))
    },
    async read (file) {
      return await sharedStoreCall('read the chart image', async () => await redis.getBuffer(key(file)))
    },
    async remove (file) {
      await sharedStoreCall('delete an expired chart image', async () => await redis.del(key(file)))
    },
    fileUrl: () => null
  }
}
