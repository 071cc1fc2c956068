/**
 * The event bus a process uses: Redis pub/sub when REDIS_URL is set (charts made on any instance, or over stdio,
 * reach every instance's channels), else in-memory. Shared by the HTTP app (plugins/event-bus.ts) and stdio.
 */
import type { EventBus } from './bus.js'
import { createMemoryBus, type BusLogger } from './memory-bus.js'

export async function createEventBus (config: { REDIS_URL?: string, REDIS_KEY_PREFIX?: string }, log: BusLogger): Promise<EventBus> {
  if (config.REDIS_URL === undefined) return createMemoryBus({ log })
  // Loaded only when used: ioredis is not needed on a single instance.
  const { createRedisBus } = await import('./redis-bus.js')
  return await createRedisBus({ url: config.REDIS_URL, log, keyPrefix: config.REDIS_KEY_PREFIX })
}
