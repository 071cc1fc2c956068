/**
 * Fetched bars kept in SQLite (better-sqlite3, as the history store), keyed by provider, provider ticker and native
 * interval, with what is known complete:
 * - `market_coverage` holds time ranges of CLOSED bars already fetched; a closed bar never changes, so a covered
 *   range is never fetched again (ranges without bars, such as weekends, count as covered too);
 * - `market_fetches` holds, per key, where the still-open bar began at the last fetch and when that fetch ran: the
 *   open bar changes until it closes, so it counts as fresh only for `openBarFreshMs(interval)`.
 * One file under DATA_DIR (market-cache.sqlite), separate from the request history.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
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

export interface BarCache {
  /** Cached bars opening in [from, to), oldest first. */
  bars: (key: BarCacheKey, from: number, to: number) => Bar[]
  /** The parts of [from, to) that must be fetched at `now`: not covered by closed bars nor by a fresh open bar. */
  missing: (key: BarCacheKey, from: number, to: number, now: number) => TimeRange[]
  /**
   * Stores bars fetched for [range.start, range.end) at `fetchedAt`. Everything before the bar open at
   * `fetchedAt` becomes covered; a range reaching into the open bar records it as fetched at `fetchedAt`.
   */
  store: (key: BarCacheKey, bars: readonly Bar[], range: TimeRange, fetchedAt: number) => void
  /** When bars for this key were last fetched, or undefined when never. */
  lastFetchedAt: (key: BarCacheKey) => number | undefined
  /** Tickers with cached bars for a provider, with their cached span per native interval. */
  cachedSymbols: (provider: string) => Array<{ ticker: string, interval: Interval, from: number, to: number }>
  close: () => void
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

function mergeRanges (ranges: readonly TimeRange[]): TimeRange[] {
  const merged: TimeRange[] = []
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1]
    if (last !== undefined && range.start <= last.end) last.end = Math.max(last.end, range.end)
    else merged.push({ ...range })
  }
  return merged
}

interface BarRow { time: number, open: number, high: number, low: number, close: number, volume: number | null }

export function openBarCache (file: string): BarCache {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`
    CREATE TABLE IF NOT EXISTS market_bars (
      provider TEXT NOT NULL, ticker TEXT NOT NULL, interval TEXT NOT NULL, time INTEGER NOT NULL,
      open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL,
      PRIMARY KEY (provider, ticker, interval, time)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS market_coverage (
      provider TEXT NOT NULL, ticker TEXT NOT NULL, interval TEXT NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
      PRIMARY KEY (provider, ticker, interval, start)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS market_fetches (
      provider TEXT NOT NULL, ticker TEXT NOT NULL, interval TEXT NOT NULL,
      open_bar_start INTEGER, open_bar_checked_at INTEGER, fetched_at INTEGER NOT NULL,
      PRIMARY KEY (provider, ticker, interval)
    ) WITHOUT ROWID;
  `)
  const selectBars = db.prepare<[string, string, string, number, number], BarRow>(
    'SELECT time, open, high, low, close, volume FROM market_bars WHERE provider = ? AND ticker = ? AND interval = ? AND time >= ? AND time < ? ORDER BY time')
  const upsertBar = db.prepare('INSERT OR REPLACE INTO market_bars (provider, ticker, interval, time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const selectCoverage = db.prepare<[string, string, string], TimeRange>('SELECT start, end FROM market_coverage WHERE provider = ? AND ticker = ? AND interval = ?')
  const deleteCoverage = db.prepare('DELETE FROM market_coverage WHERE provider = ? AND ticker = ? AND interval = ?')
  const insertCoverage = db.prepare('INSERT INTO market_coverage (provider, ticker, interval, start, end) VALUES (?, ?, ?, ?, ?)')
  const selectFetch = db.prepare<[string, string, string], { open_bar_start: number | null, open_bar_checked_at: number | null, fetched_at: number }>(
    'SELECT open_bar_start, open_bar_checked_at, fetched_at FROM market_fetches WHERE provider = ? AND ticker = ? AND interval = ?')
  const upsertFetch = db.prepare(`INSERT INTO market_fetches (provider, ticker, interval, open_bar_start, open_bar_checked_at, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (provider, ticker, interval) DO UPDATE SET
      open_bar_start = COALESCE(excluded.open_bar_start, open_bar_start),
      open_bar_checked_at = COALESCE(excluded.open_bar_checked_at, open_bar_checked_at),
      fetched_at = excluded.fetched_at`)
  const selectCached = db.prepare<[string], { ticker: string, interval: Interval, first: number, last: number }>(
    'SELECT ticker, interval, MIN(time) AS first, MAX(time) AS last FROM market_bars WHERE provider = ? GROUP BY ticker, interval ORDER BY ticker, interval')

  const params = (key: BarCacheKey): [string, string, string] => [key.provider, key.ticker, key.interval]

  const store = db.transaction((key: BarCacheKey, bars: readonly Bar[], range: TimeRange, fetchedAt: number) => {
    for (const bar of bars) upsertBar.run(...params(key), bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume)
    const open = bucketStart(fetchedAt, key.interval)
    const closedEnd = Math.min(range.end, open)
    const ranges = selectCoverage.all(...params(key))
    if (closedEnd > range.start) ranges.push({ start: range.start, end: closedEnd })
    deleteCoverage.run(...params(key))
    for (const r of mergeRanges(ranges)) insertCoverage.run(...params(key), r.start, r.end)
    const reachesOpenBar = range.end > open
    upsertFetch.run(...params(key), reachesOpenBar ? open : null, reachesOpenBar ? fetchedAt : null, fetchedAt)
  })

  return {
    bars (key, from, to) {
      return selectBars.all(...params(key), from, to).map((row) => ({ ...row }))
    },

    missing (key, from, to, now) {
      const covered = selectCoverage.all(...params(key))
      const fetch = selectFetch.get(...params(key))
      if (fetch?.open_bar_start != null && fetch.open_bar_checked_at != null &&
          now - fetch.open_bar_checked_at < openBarFreshMs(key.interval)) {
        covered.push({ start: fetch.open_bar_start, end: Math.max(now, to) })
      }
      return subtractRanges(from, to, covered)
    },

    store (key, bars, range, fetchedAt) {
      store(key, bars, range, fetchedAt)
    },

    lastFetchedAt (key) {
      return selectFetch.get(...params(key))?.fetched_at
    },

    cachedSymbols (provider) {
      return selectCached.all(provider).map((row) => ({ ticker: row.ticker, interval: row.interval, from: row.first, to: row.last }))
    },

    close () {
      if (db.open) db.close()
    }
  }
}
