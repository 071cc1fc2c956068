import { Redis, type RedisOptions } from 'ioredis'
import type { BusListener, EventBus } from './bus.js'
import { parseBusMessage } from './bus-message-schema.js'
import { deliverToListeners, type BusLogger } from './memory-bus.js'

export const DEFAULT_REDIS_CHANNEL = 'chart-img-mcp:events'

/** How long `close()` waits for a graceful QUIT before dropping the connections. */
const QUIT_TIMEOUT_MS = 2000

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
 */
export async function createRedisBus (options: { url: string, log: BusLogger, channel?: string }): Promise<EventBus> {
  const { url, log } = options
  const channel = options.channel ?? DEFAULT_REDIS_CHANNEL
  const where = redactRedisUrl(url)
  const common: RedisOptions = {
    lazyConnect: true,
    // Fail a publish after a few reconnect attempts instead of queueing it forever while Redis is down.
    maxRetriesPerRequest: 3,
    connectTimeout: 5000
  }
  const publisher = new Redis(url, { ...common, connectionName: 'chart-img-mcp-pub' })
  const subscriber = new Redis(url, { ...common, connectionName: 'chart-img-mcp-sub' })
  const listeners = new Set<BusListener>()
  let closing: Promise<void> | undefined
  let lastError: Error | undefined

  for (const [role, connection] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
    // Without an 'error' listener ioredis errors would be unhandled 'error' events and crash the process.
    connection.on('error', (err: Error) => {
      lastError = err
      log.warn({ role, redis: where, err: err.message }, 'redis connection error')
    })
  }

  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return
    const parsed = parseBusMessage(text)
    if (!parsed.ok) {
      log.warn({ channel, error: parsed.error, bytes: text.length }, 'malformed event bus message dropped')
      return
    }
    deliverToListeners(listeners, parsed.message, log)
  })

  try {
    await Promise.all([publisher.connect(), subscriber.connect()])
    await subscriber.subscribe(channel)
  } catch (err) {
    publisher.disconnect()
    subscriber.disconnect()
    // ioredis rejects connect() with "Connection is closed."; the 'error' event before it says why (ECONNREFUSED…).
    const reason = lastError?.message ?? (err as Error).message
    throw new Error(`Cannot use Redis at ${where} for the event bus: ${reason}`, { cause: err })
  }

  return {
    async publish (message) {
      if (closing !== undefined) {
        log.debug({ requestId: message.event.requestId }, 'event bus closed; message dropped')
        return
      }
      try {
        await publisher.publish(channel, JSON.stringify(message))
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
        await Promise.all([quit(subscriber), quit(publisher)])
      })()
      return closing
    }
  }
}

async function quit (connection: Redis): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      connection.quit(),
      new Promise((resolve) => { timer = setTimeout(resolve, QUIT_TIMEOUT_MS) })
    ])
  } catch {
    // Already closed or unreachable: nothing to quit gracefully.
  } finally {
    clearTimeout(timer)
    connection.disconnect()
  }
}

/** The Redis URL without user name and password, safe to log and to show in errors. */
export function redactRedisUrl (url: string): string {
  try {
    const parsed = new URL(url)
    parsed.username = ''
    parsed.password = ''
    return parsed.toString()
  } catch {
    return '(unparseable REDIS_URL)'
  }
}
