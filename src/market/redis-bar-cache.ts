/**
 * The bar cache in Redis (ioredis), used when REDIS_URL is set, so every instance behind the proxy shares fetched
 * bars and the provider request counts. The rules are the contract's (./bar-cache.ts). Key family and bounds:
 *
 * - `chart-img-mcp:market:bars:<provider>:<interval>:<ticker>`: sorted set, score = bar open time (ms), member = the
 *   bar as JSON `[time, open, high, low, close, volume]`; at most MAX_BARS_PER_KEY bars (the oldest are dropped, and
 *   the coverage is cut to match so a dropped range is fetched again);
 * - `chart-img-mcp:market:coverage:<provider>:<interval>:<ticker>`: string, the coverage record as JSON (covered
 *   ranges of closed bars, the open bar and when it was checked, the last fetch);
 * - `chart-img-mcp:market:tickers:<provider>`: set of `[ticker, interval]` JSON pairs cached for the provider, for
 *   `cachedSymbols` without a SCAN of the whole database;
 * - `chart-img-mcp:market:requests:<provider>:<YYYY-MM-DD>`: integer, provider requests on that UTC day (INCR).
 *
 * Every key has a TTL, refreshed on each write: KEY_TTL_MS for bars, coverage and ticker sets (a symbol nobody
 * charts for that long is forgotten), REQUEST_COUNT_TTL_MS for a day's request count (it is over by then).
 * A store reads the coverage, then writes bars and the new coverage in one MULTI. Two instances storing the same key
 * at the same moment can lose one coverage update: that only costs a second fetch of that range later, never a
 * wrong bar, so no lock is taken.
 */
import type { Logger } from 'pino'
import { z } from 'zod'
import type { Interval } from '../chart/request.js'
import { openRedisConnection, redactRedisUrl } from '../redis/connection.js'
import { coverageAfterFetch, missingRanges, type BarCache, type BarCacheKey, type CachedSpan, type CoverageRecord } from './bar-cache.js'
import type { Bar } from './types.js'

export const MARKET_KEY_PREFIX = 'chart-img-mcp:market:'
/** Bars, coverage and ticker sets expire this long after their last write. */
export const KEY_TTL_MS = 30 * 86_400_000
/** A day's request count outlives its day by one more. */
export const REQUEST_COUNT_TTL_MS = 2 * 86_400_000
/**
 * Bars kept per provider/ticker/interval: far above one chart's need (fetch-span.ts caps a chart at 5000 bars plus
 * warm-up) and a bound on memory (about 100 bytes a bar, so at most ~10 MB per key).
 */
export const MAX_BARS_PER_KEY = 100_000

const rangeSchema = z.object({ start: z.number(), end: z.number() })
const coverageSchema = z.object({
  ranges: z.array(rangeSchema),
  openBar: z.object({ start: z.number(), checkedAt: z.number() }).optional(),
  fetchedAt: z.number().optional()
})
const barSchema = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number().nullable()])
const tickerSchema = z.tuple([z.string(), z.string()])

export interface RedisBarCacheOptions {
  url: string
  log: Logger
  /** Key prefix (MARKET_KEY_PREFIX); tests and several deployments on one Redis keep apart with their own. */
  prefix?: string
  /** Bars kept per key (MAX_BARS_PER_KEY); tests lower it to see the bound work. */
  maxBarsPerKey?: number
}

export function openRedisBarCache (options: RedisBarCacheOptions): BarCache {
  const prefix = options.prefix ?? MARKET_KEY_PREFIX
  const maxBars = options.maxBarsPerKey ?? MAX_BARS_PER_KEY
  const where = redactRedisUrl(options.url)
  // Connects at once and queues commands until connected; a command fails after a few reconnect attempts instead of
  // waiting forever while Redis is down (the chart then fails with the reason).
  const redis = openRedisConnection({ url: options.url, name: 'market', log: options.log })

  const suffix = (key: BarCacheKey): string => `${key.provider}:${key.interval}:${key.ticker}`
  const barsKey = (key: BarCacheKey): string => `${prefix}bars:${suffix(key)}`
  const coverageKey = (key: BarCacheKey): string => `${prefix}coverage:${suffix(key)}`
  const tickersKey = (provider: string): string => `${prefix}tickers:${provider}`

  async function attempt<T> (what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      throw new Error(`The market-data cache in Redis at ${where} failed to ${what}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
    }
  }

  const readCoverage = async (key: BarCacheKey): Promise<CoverageRecord> => {
    const text = await redis.get(coverageKey(key))
    if (text === null) return { ranges: [] }
    const parsed = coverageSchema.safeParse(parseJson(text))
    // An unreadable record (another program, an older layout) means nothing is known covered: fetched again.
    return parsed.success ? parsed.data : { ranges: [] }
  }

  return {
    async bars (key, from, to) {
      const members = await attempt('read bars', async () => await redis.zrangebyscore(barsKey(key), from, `(${to}`))
      const bars: Bar[] = []
      for (const member of members) {
        const parsed = barSchema.safeParse(parseJson(member))
        // A member that is not a bar (another program's, an older layout) is left out, never guessed at.
        if (!parsed.success) continue
        const [time, open, high, low, close, volume] = parsed.data
        bars.push({ time, open, high, low, close, volume })
      }
      return bars
    },

    async missing (key, from, to, now) {
      return missingRanges(await attempt('read coverage', async () => await readCoverage(key)), key.interval, from, to, now)
    },

    async store (key, bars, range, fetchedAt) {
      await attempt('store bars', async () => {
        let after = coverageAfterFetch(await readCoverage(key), key.interval, range, fetchedAt)
        const multi = redis.multi()
        for (const bar of bars) {
          // One member per open time: the open bar's earlier values are replaced.
          multi.zremrangebyscore(barsKey(key), bar.time, bar.time)
          multi.zadd(barsKey(key), bar.time, JSON.stringify([bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume]))
        }
        multi.zremrangebyrank(barsKey(key), 0, -(maxBars + 1))
        multi.zrange(barsKey(key), '0', '0', 'WITHSCORES')
        multi.pexpire(barsKey(key), KEY_TTL_MS)
        multi.set(coverageKey(key), JSON.stringify(after), 'PX', KEY_TTL_MS)
        multi.sadd(tickersKey(key.provider), JSON.stringify([key.ticker, key.interval]))
        multi.pexpire(tickersKey(key.provider), KEY_TTL_MS)
        const results = await multi.exec()
        const failed = results?.find(([error]) => error !== null)
        if (results === null || failed !== undefined) throw failed?.[0] ?? new Error('transaction aborted')
        const trimmed = results[bars.length * 2][1] as number
        if (trimmed > 0) {
          // The oldest bars were dropped: their ranges are no longer covered.
          const oldest = Number((results[bars.length * 2 + 1][1] as string[])[1])
          after = { ...after, ranges: after.ranges.map((r) => ({ start: Math.max(r.start, oldest), end: r.end })).filter((r) => r.end > r.start) }
          await redis.set(coverageKey(key), JSON.stringify(after), 'PX', KEY_TTL_MS)
        }
      })
    },

    async lastFetchedAt (key) {
      return (await attempt('read coverage', async () => await readCoverage(key))).fetchedAt
    },

    async cachedSymbols (provider) {
      return await attempt('list cached symbols', async () => {
        const spans: CachedSpan[] = []
        for (const member of await redis.smembers(tickersKey(provider))) {
          const parsed = tickerSchema.safeParse(parseJson(member))
          if (!parsed.success) continue
          const [ticker, interval] = parsed.data as [string, Interval]
          const key = barsKey({ provider, ticker, interval })
          const [first, last] = await Promise.all([redis.zrange(key, '0', '0', 'WITHSCORES'), redis.zrange(key, '-1', '-1', 'WITHSCORES')])
          // Its bars expired: forget the ticker too.
          if (first.length === 0) await redis.srem(tickersKey(provider), member)
          else spans.push({ ticker, interval, from: Number(first[1]), to: Number(last[1]) })
        }
        // Ordered as SQLite orders them (by code unit): the same listing from either store.
        return spans.sort((a, b) => compare(a.ticker, b.ticker) || compare(a.interval, b.interval))
      })
    },

    async countRequest (provider, day) {
      return await attempt('count a request', async () => {
        const key = `${prefix}requests:${provider}:${day}`
        const results = await redis.multi().incr(key).pexpire(key, REQUEST_COUNT_TTL_MS).exec()
        const [error, count] = results?.[0] ?? [new Error('transaction aborted'), 0]
        if (error !== null) throw error
        return count as number
      })
    },

    async close () {
      // Every operation awaits its reply, so nothing is left to flush: drop the connection at once.
      redis.disconnect()
    }
  }
}

/** JSON text as a value, or undefined when it is not JSON (the schema check then skips it). */
function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
