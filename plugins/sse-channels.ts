import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { RedisChannelLog } from '../src/sse/redis-channel-log.js'
import { createChannelRegistry, DEFAULT_REMEMBER_MS, type ChannelRegistry } from '../src/sse/registry.js'
import { NAMED_EVENTS, SEED_000_MESSAGES, type WireFormat } from '../src/sse/wire-format.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-client SSE channels (`GET /mcp/events/:clientId`); `channels.clientCount` for health and metrics. */
    channels: ChannelRegistry
    /** Seed 000's `GET /sse` streams: the same registry design, seed 000's message format. */
    seedStreams: ChannelRegistry
  }
}

export interface SseChannelsPluginOptions {
  /** `retry:` sent to each stream (ms). Default 2000. */
  retryMs?: number
  /** How long a disconnected channel's replay buffer is kept (ms). Default 5 minutes. */
  rememberMs?: number
  /** How many disconnected channels' buffers are kept. Default MAX_SSE_CLIENTS. */
  rememberMax?: number
}

/**
 * Puts the channel registry on the app and feeds it from the bus. Streams are ended in `preClose`: Fastify's
 * close waits in `server.close()` for every connection to end before `onClose` hooks run, so an open SSE stream
 * would otherwise keep `app.close()` from ever finishing.
 */
export default fp(async function sseChannelsPlugin (fastify: FastifyInstance, options: SseChannelsPluginOptions) {
  const { config } = fastify
  // With REDIS_URL the replay buffers live in Redis (loaded only then: one instance needs no ioredis).
  const shared = config.REDIS_URL === undefined ? undefined : await openSharedLogs(fastify, options)
  const sharedQuota = fastify.hasDecorator('security') ? fastify.security.sharedQuota : null
  const create = (format: WireFormat, component: string): ChannelRegistry => createChannelRegistry({
    log: fastify.log.child({ component }),
    heartbeatMs: config.HEARTBEAT_MS,
    keepaliveMs: config.KEEPALIVE_MS,
    maxClients: config.MAX_SSE_CLIENTS,
    maxClientsPerKey: config.SSE_CHANNELS_PER_PRINCIPAL,
    replayEvents: config.SSE_REPLAY_EVENTS,
    maxQueuedBytes: config.SSE_MAX_QUEUED_BYTES,
    retryMs: options.retryMs,
    rememberMs: options.rememberMs,
    rememberMax: options.rememberMax,
    format,
    ...(shared === undefined ? {} : { shared: { log: shared.logs[component === 'seed-sse' ? 1 : 0], spacing: shared.spacing } }),
    // Apps assembled without the security plugin (tests of the SSE layer alone) have no quota to share.
    ...(sharedQuota === null ? {} : { sharedQuota: { quota: sharedQuota, kind: component === 'seed-sse' ? 'channel:sse' : 'channel:events' } })
  })
  const registries = [create(NAMED_EVENTS, 'sse-channels'), create(SEED_000_MESSAGES, 'seed-sse')]
  const unsubscribe = fastify.bus.subscribe((message) => { for (const registry of registries) registry.deliver(message) })
  fastify.decorate('channels', registries[0])
  fastify.decorate('seedStreams', registries[1])
  const shutdown = async (): Promise<void> => {
    unsubscribe()
    await Promise.all(registries.map(async (registry) => { await registry.close() }))
    await shared?.close()
  }
  fastify.addHook('preClose', shutdown)
  fastify.addHook('onClose', shutdown)
}, { name: 'sse-channels', dependencies: ['config', 'event-bus'] })

/** The two registries' logs on one Redis connection (src/sse/redis-channel-log.ts). */
async function openSharedLogs (fastify: FastifyInstance, options: SseChannelsPluginOptions): Promise<{ logs: RedisChannelLog[], spacing: number, close: () => Promise<void> }> {
  const { config } = fastify
  const [{ RedisChannelLog }, { SEQ_SPACING }, { openRedisConnection, closeRedisConnection }] = await Promise.all([
    import('../src/sse/redis-channel-log.js'), import('../src/redis/event-sequence.js'), import('../src/redis/connection.js')
  ])
  const redis = openRedisConnection({ url: config.REDIS_URL as string, name: 'sse-replay', log: fastify.log.child({ component: 'sse-replay' }) })
  const rememberMs = options.rememberMs ?? DEFAULT_REMEMBER_MS
  // The bus's numbering (it stores every event it publishes, src/events/redis-store-publish.ts): one floor per process.
  const sequence = fastify.bus.sequence
  const open = async (registry: 'events' | 'sse'): Promise<RedisChannelLog> => await RedisChannelLog.open({ redis, keyPrefix: config.REDIS_KEY_PREFIX, registry, sequence, capacity: config.SSE_REPLAY_EVENTS, rememberMs })
  const logs = [await open('events'), await open('sse')]
  let closing: Promise<void> | undefined
  return { logs, spacing: SEQ_SPACING, close: async () => { closing ??= closeRedisConnection(redis); await closing } }
}
