/**
 * The number of Chart-IMG requests spent per UTC day, kept in the app's SQLite store so a restart does not hand
 * the plan's daily cap out a second time (in Redis when REDIS_URL is set, so instances share the cap:
 * ./redis-daily-usage.ts).
 */
import type { SqliteDatabase } from '../../sqlite/database.js'

/** Daily request counter. Days are `YYYY-MM-DD` in UTC (Chart-IMG resets its daily cap at UTC midnight). */
export interface DailyUsage {
  /** Requests counted for `day` (0 when none). */
  count: (day: string) => Promise<number>
  /** Counts one more request for `day` and returns the new total. Atomic (SQLite upsert, Redis INCR). */
  increment: (day: string) => Promise<number>
  /** Gives back one request counted by `increment` that was not spent (the cap was reached meanwhile). */
  decrement: (day: string) => Promise<void>
}

/** Days kept; older rows (keys) are deleted as new days begin (expire). */
export const KEEP_DAYS = 35

/**
 * Creates the table if missing. Each request is one autocommit write: on a database left in the default rollback
 * journal that is an fsync (about 5 ms measured here); the store that owns `db` should use
 * `journal_mode = WAL` with `synchronous = NORMAL` (about 0.01 ms). Pragmas are the owner's choice, not set here.
 */
export function createDailyUsage (db: SqliteDatabase): DailyUsage {
  db.exec(`CREATE TABLE IF NOT EXISTS chart_img_daily_usage (
    day TEXT PRIMARY KEY,
    count INTEGER NOT NULL
  ) STRICT`)
  const select = db.prepare<[string], { count: number }>('SELECT count FROM chart_img_daily_usage WHERE day = ?')
  const upsert = db.prepare<[string], { count: number }>(
    'INSERT INTO chart_img_daily_usage (day, count) VALUES (?, 1) ON CONFLICT(day) DO UPDATE SET count = count + 1 RETURNING count')
  const prune = db.prepare<[string]>('DELETE FROM chart_img_daily_usage WHERE day < ?')
  const giveBack = db.prepare<[string]>('UPDATE chart_img_daily_usage SET count = count - 1 WHERE day = ? AND count > 0')

  return {
    // Synchronous underneath: the counts are written before the promise settles (a caller's transaction holds them).
    async count (day) {
      return select.get(day)?.count ?? 0
    },
    async increment (day) {
      const row = upsert.get(day) as { count: number }
      if (row.count === 1) prune.run(shiftDay(day, -KEEP_DAYS))
      return row.count
    },
    async decrement (day) {
      giveBack.run(day)
    }
  }
}

function shiftDay (day: string, days: number): string {
  const ms = Date.parse(`${day}T00:00:00Z`)
  if (Number.isNaN(ms)) return day
  return new Date(ms + days * 86_400_000).toISOString().slice(0, 10)
}
