/**
 * Which Chart-IMG intervals can be built from which: a coarser interval is available when whole native bars fit
 * into it exactly, so aggregation never splits a bar (15m → 45m yes, 45m → 1h no, 1W → 1M no: weeks straddle months).
 */
import { INTERVALS, INTERVAL_MS, type Interval } from '../chart/request.js'

const DAY_MS = 86_400_000

export function isIntraday (interval: Interval): boolean {
  return INTERVAL_MS[interval] < DAY_MS
}

/** True when bars at `from` can be aggregated into bars at `to` without splitting any bar. */
export function canResample (from: Interval, to: Interval): boolean {
  if (from === to) return true
  if (to === '1D') return isIntraday(from)
  if (to === '1W' || to === '1M') return isIntraday(from) || from === '1D'
  if (!isIntraday(to) || !isIntraday(from)) return false
  // Every intraday interval divides a day (1440 min), so epoch-aligned buckets are also day-aligned.
  return INTERVAL_MS[to] > INTERVAL_MS[from] && INTERVAL_MS[to] % INTERVAL_MS[from] === 0
}

/** The native interval and every coarser Chart-IMG interval reachable from it, finest first. */
export function availableIntervals (native: Interval): Interval[] {
  return INTERVALS.filter((interval) => canResample(native, interval))
}

/** The Chart-IMG interval closest (on a log scale) to a bar spacing in milliseconds. */
export function nearestInterval (spacingMs: number): Interval {
  let best: Interval = '1D'
  let bestDistance = Infinity
  for (const interval of INTERVALS) {
    const distance = Math.abs(Math.log(spacingMs / INTERVAL_MS[interval]))
    if (distance < bestDistance) {
      best = interval
      bestDistance = distance
    }
  }
  return best
}

/** Words for messages: "daily", "weekly", "monthly", "4-hour", "15-minute". */
export function describeInterval (interval: Interval): string {
  switch (interval) {
    case '1D': return 'daily'
    case '1W': return 'weekly'
    case '1M': return 'monthly'
    case '1h': return 'hourly'
    default: {
      const amount = interval.slice(0, -1)
      return `${amount}-${interval.endsWith('h') ? 'hour' : 'minute'}`
    }
  }
}

/** "1D, 1W or 1M" */
export function joinOr (items: readonly string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** Start (ms, UTC) of the `interval` bucket holding `time`: weeks start Monday 00:00 UTC, months on the 1st. */
export function bucketStart (time: number, interval: Interval): number {
  if (interval === '1M') {
    const date = new Date(time)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
  }
  if (interval === '1W') {
    const day = Math.floor(time / DAY_MS)
    // 1970-01-01 (day 0) was a Thursday: (day + 3) mod 7 counts days since Monday.
    return (day - (((day + 3) % 7) + 7) % 7) * DAY_MS
  }
  const size = INTERVAL_MS[interval]
  return Math.floor(time / size) * size
}

/** End (exclusive, ms) of the bar opening at `time`: calendar months for 1M, otherwise the interval's length. */
export function barEnd (time: number, interval: Interval): number {
  if (interval === '1M') {
    const date = new Date(time)
    return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)
  }
  return time + INTERVAL_MS[interval]
}

/** ISO text for a bar time: a date for daily and coarser data, a full UTC timestamp for intraday data. */
export function formatBarTime (time: number, interval: Interval): string {
  const iso = new Date(time).toISOString()
  return isIntraday(interval) ? iso : iso.slice(0, 10)
}
