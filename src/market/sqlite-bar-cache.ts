/**
 * The bar cache in SQLite (the history store's driver, ../sqlite/database.ts): the default, one file under DATA_DIR
 * (market-cache.sqlite), separate from the request history. `market_bars` holds the bars, `market_coverage` the
 * covered ranges of closed bars, `market_fetches` the open bar and the last fetch, `market_daily_requests` the
 * provider requests per UTC day. The rules are the contract's (./bar-cache.ts); SQLite calls are synchronous, so each
 * operation is one transaction and cannot interleave with another.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Interval } from '../chart/request.js'
import { openSqlite } from '../sqlite/database.js'
import { coverageAfterFetch, missingRanges, type BarCache, type BarCacheKey, type CoverageRecord, type TimeRange } from './bar-cache.js'
import type { Bar } from './types.js'

interface BarRow { time: number, open: number, high: number, low: number, close: number, volume: number | null }
interface FetchRow { open_bar_start: number | null, open_bar_checked_at: number | null, fetched_at: number }

/** Days of request counts kept; older rows are deleted as new days begin. */
const KEEP_REQUEST_DAYS = 7

export function openSqliteBarCache (file: string): BarCache {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = openSqlite(file)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
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
    CREATE TABLE IF NOT EXISTS market_daily_requests (
      provider TEXT NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL,
      PRIMARY KEY (provider, day)
    ) WITHOUT ROWID;
  `)
  const selectBars = db.prepare<[string, string, string, number, number], BarRow>(
    'SELECT time, open, high, low, close, volume FROM market_bars WHERE provider = ? AND ticker = ? AND interval = ? AND time >= ? AND time < ? ORDER BY time')
  const upsertBar = db.prepare('INSERT OR REPLACE INTO market_bars (provider, ticker, interval, time, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const selectCoverage = db.prepare<[string, string, string], TimeRange>('SELECT start, end FROM market_coverage WHERE provider = ? AND ticker = ? AND interval = ? ORDER BY start')
  const deleteCoverage = db.prepare('DELETE FROM market_coverage WHERE provider = ? AND ticker = ? AND interval = ?')
  const insertCoverage = db.prepare('INSERT INTO market_coverage (provider, ticker, interval, start, end) VALUES (?, ?, ?, ?, ?)')
  const selectFetch = db.prepare<[string, string, string], FetchRow>(
    'SELECT open_bar_start, open_bar_checked_at, fetched_at FROM market_fetches WHERE provider = ? AND ticker = ? AND interval = ?')
  const upsertFetch = db.prepare(`INSERT OR REPLACE INTO market_fetches (provider, ticker, interval, open_bar_start, open_bar_checked_at, fetched_at)
    VALUES (?, ?, ?, ?, ?, ?)`)
  const selectCached = db.prepare<[string], { ticker: string, interval: Interval, first: number, last: number }>(
    'SELECT ticker, interval, MIN(time) AS first, MAX(time) AS last FROM market_bars WHERE provider = ? GROUP BY ticker, interval ORDER BY ticker, interval')
  const countRequest = db.prepare<[string, string], { count: number }>(
    'INSERT INTO market_daily_requests (provider, day, count) VALUES (?, ?, 1) ON CONFLICT (provider, day) DO UPDATE SET count = count + 1 RETURNING count')
  const pruneRequests = db.prepare('DELETE FROM market_daily_requests WHERE day < ?')

  const params = (key: BarCacheKey): [string, string, string] => [key.provider, key.ticker, key.interval]

  const coverage = (key: BarCacheKey): CoverageRecord => {
    const fetch = selectFetch.get(...params(key))
    return {
      ranges: selectCoverage.all(...params(key)),
      openBar: fetch?.open_bar_start != null && fetch.open_bar_checked_at != null ? { start: fetch.open_bar_start, checkedAt: fetch.open_bar_checked_at } : undefined,
      fetchedAt: fetch?.fetched_at
    }
  }

  const store = db.transaction((key: BarCacheKey, bars: readonly Bar[], range: TimeRange, fetchedAt: number) => {
    for (const bar of bars) upsertBar.run(...params(key), bar.time, bar.open, bar.high, bar.low, bar.close, bar.volume)
    const after = coverageAfterFetch(coverage(key), key.interval, range, fetchedAt)
    deleteCoverage.run(...params(key))
    for (const r of after.ranges) insertCoverage.run(...params(key), r.start, r.end)
    upsertFetch.run(...params(key), after.openBar?.start ?? null, after.openBar?.checkedAt ?? null, fetchedAt)
  })

  const count = db.transaction((provider: string, day: string): number => {
    const total = (countRequest.get(provider, day) as { count: number }).count
    if (total === 1) pruneRequests.run(new Date(Date.parse(`${day}T00:00:00Z`) - KEEP_REQUEST_DAYS * 86_400_000).toISOString().slice(0, 10))
    return total
  })

  return {
    async bars (key, from, to) {
      return selectBars.all(...params(key), from, to).map((row) => ({ ...row }))
    },

    async missing (key, from, to, now) {
      return missingRanges(coverage(key), key.interval, from, to, now)
    },

    async store (key, bars, range, fetchedAt) {
      store(key, bars, range, fetchedAt)
    },

    async lastFetchedAt (key) {
      return selectFetch.get(...params(key))?.fetched_at
    },

    async cachedSymbols (provider) {
      return selectCached.all(provider).map((row) => ({ ticker: row.ticker, interval: row.interval, from: row.first, to: row.last }))
    },

    async countRequest (provider, day) {
      return count(provider, day)
    },

    async close () {
      if (db.open) db.close()
    }
  }
}
