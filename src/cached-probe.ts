/**
 * A health check's answer shared by every caller: cached for `ttlMs`, one check in flight at a time, so health polled
 * thousands of times a second costs the checked service one request per `ttlMs`. This is lru-cache's `fetch()` (a TTL
 * and coalesced fetches) on a single key; the Chart-IMG reachability probe and the Redis probe both use it.
 */
import { LRUCache } from 'lru-cache'

export interface CachedProbe<T> {
  /** A fresh enough answer: the cached one, or a check now (concurrent callers share it). */
  get: () => Promise<T>
  /** The last answer (undefined before the first), without waiting; a stale one starts a check in the background. */
  peek: () => T | undefined
}

const KEY = 'answer'

/** `check` must not reject: a failed check is an answer (e.g. "unreachable, because …"). */
export function cachedProbe<T extends object> (check: () => Promise<T>, options: { ttlMs: number, now?: () => number }): CachedProbe<T> {
  const cache = new LRUCache<string, T>({
    max: 1,
    ttl: options.ttlMs,
    // A stale answer stays readable (peek) while the next check runs.
    noDeleteOnStaleGet: true,
    // Read the clock on every call: lru-cache otherwise keeps a reading for 1 ms on a real timer, which a fake clock
    // in tests (and a probe polled in a tight loop) would see as time standing still.
    ttlResolution: 0,
    fetchMethod: async () => await check(),
    ...(options.now === undefined ? {} : { perf: { now: options.now } })
  })
  const fetchAnswer = async (): Promise<T> => {
    const answer = await cache.fetch(KEY)
    // fetch() resolves undefined only for an aborted fetch, and nothing here aborts one (no delete, no eviction of a
    // pending key with max 1 and one key).
    if (answer === undefined) throw new Error('health check was aborted')
    return answer
  }
  return {
    get: fetchAnswer,
    peek () {
      if (cache.getRemainingTTL(KEY) <= 0) fetchAnswer().catch(() => {})
      return cache.get(KEY, { allowStale: true })
    }
  }
}
