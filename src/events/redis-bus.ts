import { closeRedisConnection, openRedisConnection, redactRedisUrl } from '../redis/connection.js'
import { ClusterSequence, ReplayKeys } from '../redis/event-sequence.js'
import { trackSubscription } from '../redis/subscription-state.js'
import type { BusListener, EventBus } from './bus.js'
import { parseBusMessage } from './bus-message-schema.js'
import { deliverToListeners, type BusLogger } from './memory-bus.js'
import { storeAndPublish } from './redis-store-publish.js'

export const DEFAULT_REDIS_CHANNEL = 'chart-img-mcp:events'

/**
 * Redis pub/sub bus for several instances behind a proxy: a message published on any instance reaches the
 * subscribers of every instance, each exactly once. Local delivery also goes through Redis (no short-cut), which is
 * what makes "exactly once" hold on the publishing instance too.
 *
 * - Two connections: a connection in subscriber mode cannot PUBLISH (Redis docs, "Pub/Sub").
 * - Resolves once both connections are up and the SUBSCRIBE is acknowledged, so nothing published after boot is
 *   missed; rejects with an actionable error (URL without credentials) when Redis is unreachable.
 * - `publish` never rejects: progress events are best-effort, a Redis outage is logged and must not fail a chart.
 *   ioredis reconnects and re-subscribes on its own (`autoResubscribe`).
 * - Malformed messages on the channel (another program, an incompatible version) are logged and dropped.
 * - With `keyPrefix` (the app's REDIS_KEY_PREFIX) each publish is one script that also numbers the event and stores
 *   it for the channels' replay (src/events/redis-store-publish.ts); without it, a plain PUBLISH of an unnumbered
 *   message (a bus with no replay store behind it).
 */
export async function createRedisBus (options: { url: string, log: BusLogger, channel?: string, keyPrefix?: string }): Promise<EventBus> {
  const { url, log } = options
  const channel = options.channel ?? DEFAULT_REDIS_CHANNEL
  const where = redactRedisUrl(url)
  const publisher = openRedisConnection({ url, name: 'pub', log, lazyConnect: true })
  const subscriber = openRedisConnection({ url, name: 'sub', log, lazyConnect: true })
  // The reason a connect fails (ECONNREFUSED…) arrives as an 'error' event before connect() rejects.
  let lastError: Error | undefined
  for (const connection of [publisher, subscriber]) connection.on('error', (err: Error) => { lastError = err })
  const listeners = new Set<BusListener>()
  let closing: Promise<void> | undefined
  const keys = options.keyPrefix === undefined ? undefined : new ReplayKeys(options.keyPrefix)
  let sequence: ClusterSequence | undefined

  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return
    const parsed = parseBusMessage(text)
    if (!parsed.ok) {
      log.warn({ channel, error: parsed.error, bytes: text.length }, 'malformed event bus message dropped')
      return
    }
    if (parsed.message.seq !== undefined) sequence?.observe(parsed.message.seq)
    deliverToListeners(listeners, parsed.message, log)
  })

  try {
    await Promise.all([publisher.connect(), subscriber.connect()])
    await subscriber.subscribe(channel)
    if (keys !== undefined) sequence = await ClusterSequence.join(publisher, keys)
  } catch (err) {
    publisher.disconnect()
    subscriber.disconnect()
    // ioredis rejects connect() with "Connection is closed."; the 'error' event before it says why (ECONNREFUSED…).
    const reason = lastError?.message ?? (err as Error).message
    throw new Error(`Cannot use Redis at ${where} for the event bus: ${reason}`, { cause: err })
  }

  const subscription = trackSubscription(subscriber, [channel], 'the event bus')

  return {
    ...(sequence === undefined ? {} : { sequence }),
    problem: subscription.problem,
    async publish (message) {
      if (closing !== undefined) {
        log.debug({ requestId: message.event.requestId }, 'event bus closed; message dropped')
        return
      }
      try {
        if (keys === undefined || sequence === undefined) await publisher.publish(channel, JSON.stringify(message))
        else await storeAndPublish(publisher, keys, sequence, channel, message)
      } catch (err) {
        log.warn({ redis: where, err: (err as Error).message, requestId: message.event.requestId }, 'event bus publish failed')
      }
    },
    subscribe (listener) {
      if (closing !== undefined) return () => {}
      const entry: BusListener = (message) => listener(message)
      listeners.add(entry)
      return () => { listeners.delete(entry) }
    },
    close () {
      closing ??= (async () => {
        listeners.clear()
        await Promise.all([closeRedisConnection(subscriber), closeRedisConnection(publisher)])
      })()
      return closing
    }
  }
}
