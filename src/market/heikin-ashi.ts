/**
 * Heikin-Ashi candles, as TradingView defines them: close = (O+H+L+C)/4, open = midpoint of the previous HA candle's
 * body (the first one uses (O+C)/2 of the real bar), high/low extended to cover the HA open and close. Volume and time
 * are unchanged.
 */
import type { Bar } from './types.js'

export function toHeikinAshi (bars: Bar[]): Bar[] {
  const out: Bar[] = []
  let previous: Bar | undefined
  for (const bar of bars) {
    const close = (bar.open + bar.high + bar.low + bar.close) / 4
    const open = previous === undefined ? (bar.open + bar.close) / 2 : (previous.open + previous.close) / 2
    const ha: Bar = {
      time: bar.time,
      open,
      high: Math.max(bar.high, open, close),
      low: Math.min(bar.low, open, close),
      close,
      volume: bar.volume
    }
    out.push(ha)
    previous = ha
  }
  return out
}
