/**
 * The bar cache's contract: fetched bars keyed by provider, provider ticker and native interval, with what is known
 * complete, so a chart fetches only the ranges it lacks:
 * - coverage: time ranges of CLOSED bars already fetched; a closed bar never changes, so a covered range is never
 *   fetched again (ranges without bars, such as weekends, count as covered too);
 * - the open bar: where the still-open bar began at the last fetch and when that fetch ran; it changes until it
 *   closes, so it counts as fresh only for `openBarFreshMs(interval)`.
 * The same store counts provider requests per UTC day (./providers/daily-quota.ts), so every instance sharing the
 * cache shares the count. Two implementations pass one contract test (test/market/bar-cache-contract.test.ts):
 * SQLite in DATA_DIR (./sqlite-bar-cache.ts, the default) and Redis when REDIS_URL is set (./redis-bar-cache.ts).
 */
import { INTERVAL_MS, type Interval } from '../chart/request.js'
import { bucketStart } from './intervals.js'
import type { Bar } from './types.js'

export interface BarCacheKey {
  provider: string
  /** The provider's own ticker (BTCUSDT, BTC-USD, NASDAQ:AAPL). */
  ticker: string
  /** Native interval of the bars. */
  interval: Interval
}

export interface TimeRange {
  /** Inclusive, ms. */
  start: number
  /** Exclusive, ms. */
  end: number
}

/** What one key's coverage record holds (see the file comment). */
export interface CoverageRecord {
  /** Merged time ranges of closed bars fetched. */
  ranges: TimeRange[]
  /** Where the open bar began at the last fetch that reached it, and when that fetch ran. */
  openBar?: { start: number, checkedAt: number }
  /** When bars for the key were last fetched. */
  fetchedAt?: number
}

/** A cached ticker's span of bars for one native interval. */
export interface CachedSpan { ticker: string, interval: Interval, from: number, to: number }

export interface BarCache {
  /** Cached bars opening in [from, to), oldest first. */
  bars: (key: BarCacheKey, from: number, to: number) => Promise<Bar[]>
  /** The parts of [from, to) that must be fetched at `now`: not covered by closed bars nor by a fresh open bar. */
  missing: (key: BarCacheKey, from: number, to: number, now: number) => Promise<TimeRange[]>
  /**
   * Stores bars fetched for [range.start, range.end) at `fetchedAt`. Everything before the bar open at
   * `fetchedAt` becomes covered; a range reaching into the open bar records it as fetched at `fetchedAt`.
   */
  store: (key: BarCacheKey, bars: readonly Bar[], range: TimeRange, fetchedAt: number) => Promise<void>
  /** When bars for this key were last fetched, or undefined when never. */
  lastFetchedAt: (key: BarCacheKey) => Promise<number | undefined>
  /** Tickers with cached bars for a provider, with their cached span per native interval. */
  cachedSymbols: (provider: string) => Promise<CachedSpan[]>
  /** Counts one request to `provider` on `day` (UTC `YYYY-MM-DD`) and returns that day's total, this one included. */
  countRequest: (provider: string, day: string) => Promise<number>
  close: () => Promise<void>
}

/**
 * How long the open (still changing) bar counts as fresh: a twelfth of the interval, between 5 s and 5 min. So two
 * identical charts a moment apart make one provider call, and a daily chart's last bar is at most 5 minutes old.
 */
export function openBarFreshMs (interval: Interval): number {
  return Math.min(300_000, Math.max(5_000, Math.round(INTERVAL_MS[interval] / 12)))
}

/** [from, to) minus the covered ranges (sorted or not), as sorted gaps. */
export function subtractRanges (from: number, to: number, covered: readonly TimeRange[]): TimeRange[] {
  const gaps: TimeRange[] = []
  let cursor = from
  for (const range of [...covered].sort((a, b) => a.start - b.start)) {
    if (range.end <= cursor) continue
    if (range.start >= to) break
    if (range.start > cursor) gaps.push({ start: cursor, end: Math.min(range.start, to) })
    cursor = Math.max(cursor, range.end)
    if (cursor >= to) break
  }
  if (cursor < to) gaps.push({ start: cursor, end: to })
  return gaps
}

/** Overlapping or touching ranges joined, sorted. */
export function mergeRanges (ranges: readonly TimeRange[]): TimeRange[] {
  const merged: TimeRange[] = []
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1]
    if (last !== undefined && range.start <= last.end) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}

/** A coverage record after a fetch of `range` at `fetchedAt` (the rule `BarCache.store` describes). */
export function coverageAfterFetch (before: CoverageRecord, interval: Interval, range: TimeRange, fetchedAt: number): CoverageRecord {
  const open = bucketStart(fetchedAt, interval)
  const closedEnd = Math.min(range.end, open)
  const ranges = closedEnd > range.start ? mergeRanges([...before.ranges, { start: range.start, end: closedEnd }]) : before.ranges
  const openBar = range.end > open ? { start: open, checkedAt: fetchedAt } : before.openBar
  return { ranges, openBar, fetchedAt }
}

/** The parts of [from, to) a coverage record leaves to fetch at `now` (the rule `BarCache.missing` describes). */
export function missingRanges (record: CoverageRecord, interval: Interval, from: number, to: number, now: number): TimeRange[] {
  const covered = [...record.ranges]
  if (record.openBar !== undefined && now - record.openBar.checkedAt < openBarFreshMs(interval)) {
    covered.push({ start: record.openBar.start, end: Math.max(now, to) })
  }
  return subtractRanges(from, to, covered)
}
