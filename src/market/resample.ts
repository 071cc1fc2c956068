/**
 * OHLCV aggregation from a native interval to a coarser one (first open, max high, min low, last close, summed
 * volume). Aggregated bars are stamped with their bucket start: weeks on Monday 00:00 UTC, months on the 1st.
 */
import type { Interval } from '../chart/request.js'
import { ChartError } from '../chart/errors.js'
import type { Bar } from './types.js'
import { bucketStart, canResample } from './intervals.js'

/**
 * Aggregates `bars` (oldest first, at interval `from`) into bars at interval `to`.
 * Volume is the sum of the bucket's known volumes; it stays null only when every bar in the bucket has none.
 * Returns a copy of the input when `from === to`. Throws ChartError UNSUPPORTED_INTERVAL when `to` is finer than
 * `from` or does not hold whole `from` bars.
 */
export function resample (bars: Bar[], from: Interval, to: Interval): Bar[] {
  if (from === to) return bars.map((bar) => ({ ...bar }))
  if (!canResample(from, to)) {
    throw new ChartError('UNSUPPORTED_INTERVAL', `Cannot build ${to} bars from ${from} bars`)
  }
  const out: Bar[] = []
  let current: Bar | undefined
  let currentKey = Number.NaN
  for (const bar of bars) {
    const key = bucketStart(bar.time, to)
    if (current === undefined || key !== currentKey) {
      current = { time: key, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume }
      currentKey = key
      out.push(current)
      continue
    }
    if (bar.high > current.high) current.high = bar.high
    if (bar.low < current.low) current.low = bar.low
    current.close = bar.close
    if (bar.volume !== null) current.volume = (current.volume ?? 0) + bar.volume
  }
  return out
}
