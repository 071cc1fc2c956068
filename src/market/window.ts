/**
 * Which bars of a series a chart shows. Presets count back from the LAST bar of the data, not from today: the
 * bundled data ends years ago, and "the last month" of a dataset is what a user asking for `1M` wants to see.
 */
import type { ChartRange } from '../chart/request.js'
import { ChartError } from '../chart/errors.js'
import type { BarWindow, Series } from './types.js'
import { barEnd, describeInterval, formatBarTime, isIntraday } from './intervals.js'
import { isDateOnly, parseIsoTime } from './iso-time.js'

const DAY_MS = 86_400_000
/** Space the price axis and padding take from the image width (the renderer's plot is about this much narrower). */
const NON_PLOT_WIDTH = 70
/** About one bar per 7 px keeps candles and their wicks legible. */
const PX_PER_BAR = 7
export const DEFAULT_BAR_LIMITS = { min: 30, max: 400 } as const

const MONTHS_BACK: Record<string, number> = { '1M': 1, '3M': 3, '6M': 6, '1Y': 12, '5Y': 60 }
const TRADING_DAYS_BACK: Record<string, number> = { '1D': 1, '5D': 5 }

/** Number of bars shown when no range is given: fits the plot width, clamped to [30, 400]. */
export function defaultBarCount (width: number): number {
  const fit = Math.round((width - NON_PLOT_WIDTH) / PX_PER_BAR)
  return Math.min(DEFAULT_BAR_LIMITS.max, Math.max(DEFAULT_BAR_LIMITS.min, fit))
}

/**
 * Selects the drawn window `[start, end)` of `series.bars`; bars before `start` remain available for indicator warm-up.
 * - no range: the last N bars, N = defaultBarCount(width), never more than exist;
 * - `ALL`: every bar;
 * - `1D`/`5D`: the last 1 or 5 *trading* days present in the data (distinct UTC dates). On daily data that is the
 *   last 1 or 5 bars — a `1D` chart of daily data is its last candle, as TradingView shows it; on intraday data it is
 *   every bar of those days; on weekly or monthly data it is the last bar (the one holding the last day);
 * - `1M 3M 6M 1Y 5Y`: calendar months back from the last bar's time (bars strictly after that instant), so a preset
 *   always holds at least the last bar;
 * - `{from, to}`: bars overlapping [from, to], both inclusive; a date-only `to` means the whole of that day.
 *   Throws ChartError INVALID_REQUEST, naming the data's span, when nothing falls inside.
 */
export function selectWindow (series: Series, range: ChartRange | undefined, options: { width: number }): BarWindow {
  const bars = series.bars
  const n = bars.length
  if (n === 0) throw new ChartError('INVALID_REQUEST', `${series.symbol} has no bars`)
  if (range === undefined) return { start: Math.max(0, n - defaultBarCount(options.width)), end: n }
  if (range === 'ALL') return { start: 0, end: n }

  const last = bars[n - 1].time
  if (typeof range === 'string') {
    const days = TRADING_DAYS_BACK[range]
    if (days !== undefined) {
      if (!isIntraday(series.interval)) {
        return { start: series.interval === '1D' ? Math.max(0, n - days) : n - 1, end: n }
      }
      let start = n - 1
      let seen = 1
      let day = Math.floor(last / DAY_MS)
      while (start > 0) {
        const previousDay = Math.floor(bars[start - 1].time / DAY_MS)
        if (previousDay !== day) {
          if (seen === days) break
          seen++
          day = previousDay
        }
        start--
      }
      return { start, end: n }
    }
    const months = MONTHS_BACK[range]
    const anchor = new Date(last)
    const cutoff = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - months, anchor.getUTCDate(),
      anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds())
    return { start: firstIndex(series, (time) => time > cutoff), end: n }
  }

  const from = parseRangeTime(range.from, 'from')
  const to = parseRangeTime(range.to, 'to')
  const toExclusive = isDateOnly(range.to) ? to + DAY_MS : to + 1
  if (from >= toExclusive) {
    throw new ChartError('INVALID_REQUEST', `range.from (${range.from}) must not be after range.to (${range.to})`)
  }
  const start = firstIndex(series, (time) => barEnd(time, series.interval) > from)
  const end = firstIndex(series, (time) => time >= toExclusive)
  if (start >= end) {
    throw new ChartError('INVALID_REQUEST',
      `${series.symbol} has no ${describeInterval(series.interval)} bars between ${range.from} and ${range.to}; ` +
      `its data covers ${formatBarTime(bars[0].time, series.interval)} to ${formatBarTime(last, series.interval)}`)
  }
  return { start, end }
}

/** Index of the first bar whose time satisfies a monotone predicate (binary search), or bars.length. */
function firstIndex (series: Series, predicate: (time: number) => boolean): number {
  let lo = 0
  let hi = series.bars.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (predicate(series.bars[mid].time)) hi = mid
    else lo = mid + 1
  }
  return lo
}

function parseRangeTime (text: string, field: 'from' | 'to'): number {
  const ms = parseIsoTime(text)
  if (ms === undefined) {
    throw new ChartError('INVALID_REQUEST', `range.${field} (${text}) is not an ISO 8601 date such as 2019-01-01`)
  }
  return ms
}
