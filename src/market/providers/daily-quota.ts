/**
 * A provider's daily request quota (Twelve Data's free plan: 800 API credits per day, ./twelvedata/REFERENCE.md).
 * Requests are counted per UTC day in the bar cache's store (SQLite, or Redis when REDIS_URL is set), so several
 * instances spend one shared quota. Each request is counted before it is sent (one atomic increment, no
 * read-then-write race between instances); the one that would go past the limit is refused without a call, with the
 * provider, the limit and the reset time in the error.
 */
import { nextUtcMidnight, utcDay } from '../../engines/chart-img/plan-limits.js'
import { formatAge } from '../market-data.js'
import { ProviderError } from './http.js'

/** Where request counts live: `BarCache.countRequest` (./../bar-cache.ts). */
export interface DailyRequestCounter {
  /** Counts one request to `provider` on UTC `day` and returns the day's total, this one included. */
  countRequest: (provider: string, day: string) => Promise<number>
}

export interface DailyQuotaOptions {
  /** Provider id the count is kept under (twelvedata). */
  provider: string
  /** Provider name for messages (Twelve Data). */
  name: string
  /** Requests allowed per UTC day. */
  limit: number
  /** The setting that changes the limit, named in the error (TWELVEDATA_DAILY_LIMIT). */
  setting: string
  counter: DailyRequestCounter
  now?: () => number
}

export interface DailyQuota {
  /** Counts one request; throws a rate-limited ProviderError instead when today's limit is spent. */
  spend: () => Promise<void>
}

export function createDailyQuota (options: DailyQuotaOptions): DailyQuota {
  const now = options.now ?? Date.now
  return {
    async spend () {
      const at = now()
      const count = await options.counter.countRequest(options.provider, utcDay(at))
      if (count <= options.limit) return
      const resetAt = nextUtcMidnight(at)
      throw new ProviderError('rate-limited',
        `${options.name} daily request limit reached: ${options.limit} requests per UTC day (${options.setting}) are spent; ` +
        `it resets at ${new Date(resetAt).toISOString()} (in ${formatAge(resetAt - at)})`, { retryAfterMs: resetAt - at })
    }
  }
}
