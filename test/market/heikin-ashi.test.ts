import t from 'tap'
import { toHeikinAshi } from '../../src/market/heikin-ashi.js'
import type { Bar } from '../../src/market/types.js'

t.test('Heikin-Ashi: close = OHLC/4, open = previous HA body midpoint, high/low cover the HA body', async (t) => {
  const bars: Bar[] = [
    { time: 1, open: 10, high: 14, low: 9, close: 13, volume: 100 },
    { time: 2, open: 13, high: 15, low: 12, close: 12.5, volume: null },
    { time: 3, open: 12.5, high: 12.6, low: 8, close: 8.4, volume: 7 }
  ]
  const ha = toHeikinAshi(bars)
  // Bar 0: close (10+14+9+13)/4 = 11.5, open (10+13)/2 = 11.5.
  t.same(ha[0], { time: 1, open: 11.5, high: 14, low: 9, close: 11.5, volume: 100 })
  // Bar 1: close (13+15+12+12.5)/4 = 13.125, open (11.5+11.5)/2 = 11.5; low = min(12, 11.5, 13.125) = 11.5.
  t.same(ha[1], { time: 2, open: 11.5, high: 15, low: 11.5, close: 13.125, volume: null })
  // Bar 2: close (12.5+12.6+8+8.4)/4 = 10.375, open (11.5+13.125)/2 = 12.3125; high = max(12.6, 12.3125, 10.375).
  t.same(ha[2], { time: 3, open: 12.3125, high: 12.6, low: 8, close: 10.375, volume: 7 })
  t.same(toHeikinAshi([]), [])
  t.equal(bars[1].open, 13, 'input untouched')
})
