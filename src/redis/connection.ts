/**
 * One way to open a Redis connection for the shared state layer (REDIS_URL): the event bus, replay streams, MCP
 * sessions, history, images, quotas and the market cache all use it, so every connection has the same failure
 * behaviour and none can crash the process with an unhandled 'error' event.
 */
import { Redis, type RedisOptions } from 'ioredis'
import { metrics } from '../metrics.js'

export interface RedisLogger {
  warn: (obj: object, msg: string) => void
}

export interface RedisConnectionOptions {
  url: string
  /** Shown in `CLIENT LIST` and in our logs: which part of the server this connection serves. */
  name: string
  log: RedisLogger
  /** Connect only on `connect()` (the bus waits for it); otherwise connect now and queue commands meanwhile. */
  lazyConnect?: boolean
  /**
   * Commands fail at once while the connection is down instead of waiting for reconnect attempts (no offline
   * queue): for work on the request path that has an answer without Redis (a rate limit that lets requests through,
   * a clear tool error) rather than seconds of waiting per request during an outage.
   */
  failFast?: boolean
}

/**
 * A command fails after a few reconnect attempts instead of waiting forever while Redis is down (the caller then
 * fails with the reason or degrades); ioredis keeps reconnecting on its own, so service returns with Redis.
 */
export function openRedisConnection (options: RedisConnectionOptions): Redis {
  const settings: RedisOptions = {
    lazyConnect: options.lazyConnect ?? false,
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
    connectionName: `chart-img-mcp-${options.name}`,
    ...(options.failFast === true ? { enableOfflineQueue: false } : {})
  }
  const redis = new Redis(options.url, settings)
  const where = redactRedisUrl(options.url)
  // Without an 'error' listener ioredis errors would be unhandled 'error' events and crash the process.
  redis.on('error', (err: Error) => {
    metrics.redisErrors.inc({ role: options.name })
    options.log.warn({ redis: where, role: options.name, err: err.message }, 'redis connection error')
  })
  return redis
}

/** Closes a connection: a graceful QUIT if Redis answers within `timeoutMs`, then the socket is dropped either way. */
export async function closeRedisConnection (connection: Redis, timeoutMs = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      connection.quit(),
      new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs) })
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
