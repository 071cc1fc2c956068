/**
 * Indicator values against independent references: the `technicalindicators` npm package on the real SP:SPX data
 * (5105 daily bars), and StockCharts' published RSI worked example. Where TradingView's definition differs from the
 * package, the difference is asserted explicitly rather than hidden behind a loose tolerance.
 */
import t, { type Test } from 'tap'
import { ATR, BollingerBands, EMA, MACD, OBV, RSI, SMA, Stochastic, WEMA } from 'technicalindicators'
import { atr, bollinger, ema, macd, obv, rma, rsi, sma, stochastic, vwma, stdev } from '../../src/indicators/index.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { silentLogger } from '../support/logger.js'

const catalog = createMarketCatalog({ log: silentLogger })
t.teardown(() => catalog.close())
const bars = catalog.getSeries('SP:SPX', '1D').bars
const close = bars.map((b) => b.close)
const high = bars.map((b) => b.high)
const low = bars.map((b) => b.low)
const volume = bars.map((b) => b.volume as number)

/** The package drops warm-up values; ours are aligned with the input. Compare the aligned tails. */
function compareTail (t: Test, ours: Array<number | null>, reference: number[], tolerance: number, label: string): void {
  const offset = ours.length - reference.length
  t.equal(ours.slice(0, offset).every((v) => v === null), true, `${label}: null for the ${offset} warm-up bars`)
  let worst = 0
  for (let i = 0; i < reference.length; i++) {
    const v = ours[offset + i]
    if (v === null) {
      t.fail(`${label}: null at ${offset + i}`)
      return
    }
    worst = Math.max(worst, Math.abs(v - reference[i]) / Math.max(1, Math.abs(reference[i])))
  }
  t.ok(worst <= tolerance, `${label}: worst relative difference ${worst.toExponential(2)} ≤ ${tolerance}`)
}

t.test('SMA, EMA, RMA (Wilder) match technicalindicators exactly', async (t) => {
  for (const length of [1, 9, 20, 200]) {
    compareTail(t, sma(close, length), SMA.calculate({ period: length, values: close }), 1e-9, `SMA ${length}`)
    compareTail(t, ema(close, length), EMA.calculate({ period: length, values: close }), 1e-9, `EMA ${length}`)
    compareTail(t, rma(close, length), WEMA.calculate({ period: length, values: close }), 1e-9, `RMA ${length}`)
  }
})

t.test('RSI 14 (Wilder smoothing, first value at bar 14) matches; the package rounds RSI to 2 decimals', async (t) => {
  const reference = RSI.calculate({ period: 14, values: close })
  const ours = rsi(close, 14)
  t.equal(close.length - reference.length, 14)
  t.same(ours.slice(0, 14), new Array(14).fill(null), 'null for the 14 warm-up bars')
  const worst = Math.max(...reference.map((value, i) => Math.abs((ours[14 + i] as number) - value)))
  t.ok(worst <= 0.005 + 1e-9, `worst absolute difference ${worst.toFixed(4)} ≤ 0.005 (the package's rounding)`)
  t.ok(worst > 0, 'the package does round: the comparison is not vacuous')
})

t.test('RSI: StockCharts worked example (cs-rsi.xls, QQQQ Dec 2009 – Feb 2010)', async (t) => {
  // The sheet prints closes rounded to cents but its Change column carries its own differences (45.42 − 45.10 is
  // shown as 0.33), so the closes are rebuilt from the printed changes.
  const changes = [-0.25, 0.06, -0.54, 0.72, 0.50, 0.27, 0.33, 0.42, 0.24, -0.19, 0.14, -0.42, 0.67, 0.00, -0.28, 0.03, 0.38,
    -0.19, -0.58, 0.57, 0.04, -0.54, 0.74, -0.67, -0.43, -1.33, 0.15, 0.04, 0.35, -1.15, -0.76, 0.47]
  const closes = [44.34]
  for (const change of changes) closes.push(closes[closes.length - 1] + change)
  const published = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46,
    41.87, 45.46, 37.30, 33.08, 37.77]
  const ours = rsi(closes, 14)
  t.same(ours.slice(0, 14), new Array(14).fill(null), 'first RSI on the 15th close')
  published.forEach((value, i) => t.ok(Math.abs((ours[14 + i] as number) - value) < 0.015, `RSI[${14 + i}] ${ours[14 + i]?.toFixed(3)} ≈ ${value}`))
  // The tolerance catches a wrong smoothing: a simple-average (Cutler) RSI misses the published last value widely.
  const gains = closes.map((c, i) => (i === 0 ? null : Math.max(c - closes[i - 1], 0)))
  const losses = closes.map((c, i) => (i === 0 ? null : Math.max(closes[i - 1] - c, 0)))
  const cutler = 100 - 100 / (1 + (sma(gains, 14)[32] as number) / (sma(losses, 14)[32] as number))
  t.ok(Math.abs(cutler - 37.77) > 1, `Cutler RSI ${cutler.toFixed(2)} is far from 37.77`)
})

t.test('MACD 12 26 9 matches (EMA oscillator and signal)', async (t) => {
  const reference = MACD.calculate({ values: close, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false })
  const ours = macd(close, 12, 26, 9)
  compareTail(t, ours.macd, reference.map((r) => r.MACD as number), 1e-9, 'MACD line')
  const withSignal = reference.filter((r) => r.signal !== undefined)
  compareTail(t, ours.signal, withSignal.map((r) => r.signal as number), 1e-9, 'signal')
  compareTail(t, ours.histogram, withSignal.map((r) => r.histogram as number), 1e-9, 'histogram')
  t.equal(ours.signal.findIndex((v) => v !== null), 25 + 8, 'signal starts at bar slow − 1 + signal − 1')
})

t.test('Bollinger Bands 20 2 match (population standard deviation)', async (t) => {
  const reference = BollingerBands.calculate({ period: 20, stdDev: 2, values: close })
  const ours = bollinger(close, 20, 2)
  compareTail(t, ours.middle, reference.map((r) => r.middle), 1e-9, 'basis')
  compareTail(t, ours.upper, reference.map((r) => r.upper), 1e-9, 'upper')
  compareTail(t, ours.lower, reference.map((r) => r.lower), 1e-9, 'lower')
  t.equal(stdev([2, 4, 4, 4, 5, 5, 7, 9], 8)[7], 2, 'textbook population stdev')
})

t.test('Stochastic 14 1 3 matches', async (t) => {
  const reference = Stochastic.calculate({ high, low, close, period: 14, signalPeriod: 3 })
  const ours = stochastic(high, low, close, 14, 1, 3)
  compareTail(t, ours.k, reference.map((r) => r.k), 1e-9, '%K')
  compareTail(t, ours.d, reference.filter((r) => r.d !== undefined).map((r) => r.d as number), 1e-9, '%D')
  const smoothed = stochastic(high, low, close, 14, 3, 3)
  t.ok(Math.abs((smoothed.k[20] as number) - (sma(ours.k, 3)[20] as number)) < 1e-9, '%K smoothing is an SMA of raw %K')
})

t.test('ATR 14: TradingView seeding (first TR = high − low) differs from the package only during warm-up', async (t) => {
  // The package skips bar 0 (no previous close) and starts at bar 14; TradingView's ta.atr uses high − low on bar 0
  // and starts at bar 13. Wilder smoothing forgets the seed geometrically ((13/14)^n), so the lines converge.
  const reference = ATR.calculate({ high, low, close, period: 14 })
  const ours = atr(high, low, close, 14)
  t.equal(ours.findIndex((v) => v !== null), 13)
  t.equal(close.length - reference.length, 14)
  const firstTr = high[0] - low[0]
  let seed = firstTr
  for (let i = 1; i < 14; i++) seed += Math.max(high[i] - low[i], Math.abs(high[i] - close[i - 1]), Math.abs(low[i] - close[i - 1]))
  t.ok(Math.abs((ours[13] as number) - seed / 14) < 1e-9, 'seed = mean of TR[0..13]')
  t.ok(Math.abs((ours[14] as number) - reference[0]) > 1e-6, 'different seed, different early values')
  const tail = 300
  compareTail(t, ours.slice(close.length - reference.length + tail), reference.slice(tail), 1e-6, 'ATR after 300 bars')
})

t.test('OBV matches (TradingView starts at 0 on the first bar; the package starts on the second)', async (t) => {
  const reference = OBV.calculate({ close, volume })
  const ours = obv(close, volume)
  t.equal(ours[0], 0)
  t.same(ours.slice(1), reference)
})

t.test('VWMA by hand, and it equals SMA when volume is constant', async (t) => {
  const ours = vwma([10, 11, 12, 13], [100, 200, 300, 400], 3)
  t.same(ours.slice(0, 2), [null, null])
  t.ok(Math.abs((ours[2] as number) - (10 * 100 + 11 * 200 + 12 * 300) / 600) < 1e-12)
  t.ok(Math.abs((ours[3] as number) - (11 * 200 + 12 * 300 + 13 * 400) / 900) < 1e-12)
  const flat = vwma(close, close.map(() => 1), 20)
  compareTail(t, flat, SMA.calculate({ period: 20, values: close }), 1e-9, 'VWMA with constant volume')
  t.equal(vwma([1, 2], [0, 0], 2)[1], null, 'no volume: no value')
})

t.test('gaps (null) and edge cases', async (t) => {
  t.same(sma([1, 2, null, 4, 5, 6], 2), [null, 1.5, null, null, 4.5, 5.5])
  t.same(ema([1, null, 1, 1, 1], 2), [null, null, null, 1, 1], 'a gap restarts the warm-up')
  t.same(rsi([1, 2, 3, 4], 3), [null, null, null, 100], 'no losses: 100')
  t.same(rsi([4, 3, 2, 1], 3), [null, null, null, 0], 'no gains: 0')
  t.same(stochastic([1, 1, 1], [1, 1, 1], [1, 1, 1], 2, 1, 1).k, [null, null, null], 'flat window: no value, as Pine')
  t.throws(() => sma([1], 0), RangeError)
  t.same(sma([], 3), [])
  t.same(rsi([], 14), [])
})
