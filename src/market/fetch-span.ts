/**
 * The time range to fetch from a provider for a chart: the bars `selectWindow` (./window.ts) will show, plus
 * warm-up bars before them for studies, sized in calendar time with the provider's calendar factor (an equity's
 * hourly bars span about five times their count in hours). Presets count back from now, where live data ends.
 */
import { INTERVAL_MS, type ChartRange, type Interval } from '../chart/request.js'
import { isIntraday } from './intervals.js'
import { isDateOnly, parseIsoTime } from './iso-time.js'
import type { TimeRange } from './bar-cache.js'
import { defaultBarCount } from './window.js'

const DAY_MS = 86_400_000
/** Bars fetched before the window for indicator warm-up (a 50-bar average, MACD, RSI settle well within it). */
export const WARMUP_BARS = 100
/** Most bars of the requested interval one chart fetches (ALL, long custom ranges). */
export const MAX_FETCH_BARS = 5000

const MONTHS_BACK: Record<string, number> = { '1M': 1, '3M': 3, '6M': 6, '1Y': 12, '5Y': 60 }
const TRADING_DAYS_BACK: Record<string, number> = { '1D': 1, '5D': 5 }

export interface FetchSpanOptions {
  range: ChartRange | undefined
  interval: Interval
  width: number
  now: number
  /** Calendar time per bar relative to the interval (MarketDataProvider.calendarFactor). */
  calendarFactor: number
}

/** [start, end) to fetch; end is now, or the end of a custom range that ended before now. */
export function fetchSpan (options: FetchSpanOptions): TimeRange {
  const { range, interval, now, calendarFactor } = options
  const barSpan = INTERVAL_MS[interval] * calendarFactor
  const warmup = WARMUP_BARS * barSpan
  let end = now
  let start: number
  if (range === undefined) {
    start = now - defaultBarCount(options.width) * barSpan - warmup
  } else if (range === 'ALL') {
    start = now - MAX_FETCH_BARS * barSpan
  } else if (typeof range === 'string' && TRADING_DAYS_BACK[range] !== undefined) {
    const days = TRADING_DAYS_BACK[range]
    if (isIntraday(interval)) {
      // Distinct dates back from today's; sessions with weekends and holidays need about 1.4 calendar days each.
      const sessions = calendarFactor > 1 ? Math.ceil((days - 1) * 1.4) + 3 : days - 1
      start = Math.floor(now / DAY_MS) * DAY_MS - sessions * DAY_MS - warmup
    } else {
      start = now - days * barSpan - warmup
    }
  } else if (typeof range === 'string') {
    const anchor = new Date(now)
    start = Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - MONTHS_BACK[range], anchor.getUTCDate()) - warmup
  } else {
    const from = parseIsoTime(range.from) ?? now
    const to = parseIsoTime(range.to) ?? now
    end = Math.min(now, isDateOnly(range.to) ? to + DAY_MS : to + 1)
    start = from - warmup
  }
  return { start: Math.max(start, end - MAX_FETCH_BARS * barSpan), end }
}
