import t from 'tap'
import { readFileSync } from 'node:fs'
import { resample } from '../../src/market/resample.js'
import { availableIntervals, bucketStart, canResample } from '../../src/market/intervals.js'
import { parseMarketCsv } from '../../src/market/csv.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import type { Bar } from '../../src/market/types.js'
import { silentLogger } from '../support/logger.js'

const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`)

function fixtureBars (name: string): Bar[] {
  const parsed = parseMarketCsv(readFileSync(new URL(`../fixtures/market/${name}`, import.meta.url), 'utf8'), name)
  if (!parsed.ok) throw new Error(parsed.problem)
  return parsed.bars
}

t.test('daily → weekly: weeks start Monday (UTC); first open, max high, min low, last close, summed volume', async (t) => {
  const weekly = resample(fixtureBars('TEST_DAILY.csv'), '1D', '1W')
  // Hand-computed from test/fixtures/market/TEST_DAILY.csv.
  t.same(weekly, [
    { time: day('2024-01-01'), open: 10, high: 13, low: 9, close: 12, volume: 5400 },
    { time: day('2024-01-08'), open: 12, high: 14, low: 11.9, close: 12.9, volume: 3100 },
    // Wed 31 Jan – Fri 2 Feb belong to the week of Monday 29 Jan, across the month boundary.
    { time: day('2024-01-29'), open: 12.9, high: 15.2, low: 12, close: 14.1, volume: 5500 }
  ])
})

t.test('daily → monthly by calendar month', async (t) => {
  t.same(resample(fixtureBars('TEST_DAILY.csv'), '1D', '1M'), [
    { time: day('2024-01-01'), open: 10, high: 14, low: 9, close: 12.4, volume: 9200 },
    { time: day('2024-02-01'), open: 12.4, high: 15.2, low: 12.3, close: 14.1, volume: 4800 }
  ])
})

t.test('real SP:SPX: first week and first month of 2000 match the CSV rows', async (t) => {
  const catalog = createMarketCatalog({ log: silentLogger })
  t.teardown(() => catalog.close())
  const weekly = catalog.getSeries('SP:SPX', '1W').bars
  // 2000-01-03 (Mon) … 2000-01-07 (Fri) in sp500-2000.csv.
  t.same(weekly[0], { time: day('2000-01-03'), open: 1469.25, high: 1478, low: 1377.680054, close: 1441.469971, volume: 931800000 + 1009000000 + 1085500000 + 1092300000 + 1225200000 })
  const monthly = catalog.getSeries('SP:SPX', '1M').bars
  t.same(monthly[0], { time: day('2000-01-01'), open: 1469.25, high: 1478, low: 1350.140015, close: 1394.459961, volume: 21494400000 })
  t.equal(monthly.length, 244, 'Jan 2000 … Apr 2020')
  t.equal(monthly[monthly.length - 1].time, day('2020-04-01'))
})

t.test('intraday 5m → 15m and → 1h buckets are aligned to the clock', async (t) => {
  const bars = fixtureBars('TEST_INTRADAY5.csv') // 09:30, 09:35 … rows i: open 100+i, high 102+i, low 99+i, close 101+i, volume 10+i
  const q = resample(bars, '5m', '15m')
  t.same(q[0], { time: Date.parse('2024-03-04T09:30:00Z'), open: 100, high: 104, low: 99, close: 103, volume: 33 })
  t.equal(q.length, 20)
  const h = resample(bars, '5m', '1h')
  t.same(h[0], { time: Date.parse('2024-03-04T09:00:00Z'), open: 100, high: 107, low: 99, close: 106, volume: 75 })
  const d = resample(bars, '5m', '1D')
  t.equal(d.length, 1)
  t.same(d[0], { time: day('2024-03-04'), open: 100, high: 161, low: 99, close: 160, volume: (10 + 69) * 60 / 2 })
})

t.test('volume: null stays null; known volumes are summed', async (t) => {
  const bars: Bar[] = [
    { time: day('2024-01-01'), open: 1, high: 2, low: 1, close: 2, volume: null },
    { time: day('2024-01-02'), open: 2, high: 3, low: 2, close: 3, volume: null }
  ]
  t.equal(resample(bars, '1D', '1W')[0].volume, null)
  t.equal(resample([...bars, { time: day('2024-01-03'), open: 3, high: 3, low: 3, close: 3, volume: 5 }], '1D', '1W')[0].volume, 5)
})

t.test('same interval returns an equal copy; finer or misaligned targets are refused', async (t) => {
  const bars = fixtureBars('TEST_DAILY.csv')
  const same = resample(bars, '1D', '1D')
  t.same(same, bars)
  t.not(same[0], bars[0], 'copies, so callers cannot mutate the source')
  for (const [from, to] of [['1D', '4h'], ['1h', '45m'], ['45m', '1h'], ['1W', '1M'], ['1M', '1W']] as const) {
    t.throws(() => resample(bars, from, to), { name: 'ChartError', code: 'UNSUPPORTED_INTERVAL' }, `${from} → ${to}`)
  }
})

t.test('interval arithmetic', async (t) => {
  t.same(availableIntervals('1D'), ['1D', '1W', '1M'])
  t.same(availableIntervals('1M'), ['1M'])
  t.same(availableIntervals('1W'), ['1W'])
  t.same(availableIntervals('15m'), ['15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M'])
  t.same(availableIntervals('45m'), ['45m', '3h', '6h', '12h', '1D', '1W', '1M'])
  t.ok(canResample('1m', '3m'))
  t.notOk(canResample('3m', '5m'))
  // Sunday 2024-01-07 belongs to the week that started Monday 2024-01-01; Monday starts its own week.
  t.equal(bucketStart(day('2024-01-07'), '1W'), day('2024-01-01'))
  t.equal(bucketStart(day('2024-01-08'), '1W'), day('2024-01-08'))
  t.equal(bucketStart(Date.parse('2024-02-29T13:00:00Z'), '1M'), day('2024-02-01'))
})
