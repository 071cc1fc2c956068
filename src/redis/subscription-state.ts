/**
 * Whether a Redis subscriber connection really hears its channels. Each ioredis connection reconnects on its own
 * schedule, so after a Redis restart one connection (say the one behind the readiness probe) may be back while a
 * subscriber still waits to retry; and ioredis says `ready` before Redis acknowledges its automatic re-SUBSCRIBE.
 * Messages published in either gap never reach this instance: a chart's events were lost for the streams it held
 * right after a restart (test/cluster/redis-restart.test.ts). So a subscriber counts as listening again only once our
 * own SUBSCRIBE of its channels (a no-op for channels already subscribed) is acknowledged. Readiness waits for it.
 */
import type { Redis } from 'ioredis'

export interface SubscriptionState {
  /** Why messages may be missed now (not subscribed yet: reconnecting), or null. */
  problem: () => string | null
}

/** Call once the first SUBSCRIBE of `channels` has been acknowledged. */
export function trackSubscription (subscriber: Redis, channels: string[], what: string): SubscriptionState {
  let listening = true
  subscriber.on('close', () => { listening = false })
  subscriber.on('ready', () => {
    subscriber.subscribe(...channels).then(() => { listening = subscriber.status === 'ready' }, () => {})
  })
  const reason = `${what} is not subscribed to Redis yet (reconnecting); messages published meanwhile do not reach this instance`
  return { problem: () => listening ? null : reason }
}
