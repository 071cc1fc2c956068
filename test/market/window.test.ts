import t from 'tap'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { defaultBarCount, selectWindow } from '../../src/market/window.js'
import type { Bar, Series } from '../../src/market/types.js'
import { silentLogger } from '../support/logger.js'

const catalog = createMarketCatalog({ log: silentLogger })
t.teardown(() => catalog.close())
const spx = catalog.getSeries('SP:SPX', '1D') // 5105 bars, 2000-01-03 … 2020-04-17 (Fri)
const iso = (series: Series, i: number): string => new Date(series.bars[i].time).toISOString().slice(0, 10)

t.test('no range: the last N bars that fit the width, N in [30, 400]', async (t) => {
  t.equal(defaultBarCount(800), 104, '(800 − 70) / 7')
  t.equal(defaultBarCount(320), 36)
  t.equal(defaultBarCount(2048), 283)
  t.equal(defaultBarCount(100), 30, 'clamped below')
  t.equal(defaultBarCount(10_000), 400, 'clamped above')
  t.same(selectWindow(spx, undefined, { width: 800 }), { start: 5105 - 104, end: 5105 })
  const vix = catalog.getSeries('CBOE:VIX', '1D')
  t.same(selectWindow(vix, undefined, { width: 2048 }), { start: 0, end: 44 }, 'never more than exist')
})

t.test('presets count back from the last bar of the data', async (t) => {
  t.same(selectWindow(spx, 'ALL', { width: 800 }), { start: 0, end: 5105 })
  // 1D on daily data is the last candle (what TradingView shows for a one-day range of daily bars).
  t.same(selectWindow(spx, '1D', { width: 800 }), { start: 5104, end: 5105 })
  t.same(selectWindow(spx, '5D', { width: 800 }), { start: 5100, end: 5105 }, 'five trading days')
  const month = selectWindow(spx, '1M', { width: 800 })
  t.equal(month.end - month.start, 22, 'trading days after 2020-03-17')
  t.equal(iso(spx, month.start), '2020-03-18')
  const year = selectWindow(spx, '1Y', { width: 800 })
  t.equal(year.end - year.start, 252)
  const five = selectWindow(spx, '5Y', { width: 800 })
  t.equal(iso(spx, five.start), '2015-04-20', 'first trading day after 2015-04-17')
  const monthly = catalog.getSeries('NASDAQ:AAPL', '1M')
  t.same(selectWindow(monthly, '1Y', { width: 800 }), { start: 111, end: 123 }, 'Apr 2009 … Mar 2010')
  t.same(selectWindow(monthly, '1M', { width: 800 }), { start: 122, end: 123 })
  t.same(selectWindow(monthly, '5D', { width: 800 }), { start: 122, end: 123 }, 'coarse bars: the bar holding the last day')
  const weekly = catalog.getSeries('SP:SPX', '1W')
  const w = selectWindow(weekly, '3M', { width: 800 })
  t.equal(iso(weekly, w.start), '2020-01-20', 'weeks starting after 2020-01-17')
})

t.test('1D and 5D on intraday data: every bar of the last trading day(s)', async (t) => {
  const bars: Bar[] = []
  for (const date of ['2024-03-01', '2024-03-04', '2024-03-05']) {
    for (let h = 14; h < 21; h++) bars.push({ time: Date.parse(`${date}T${h}:00:00Z`), open: 1, high: 1, low: 1, close: 1, volume: 1 })
  }
  const series: Series = { symbol: 'T:X', interval: '1h', bars, fields: 'ohlcv', source: 'T_X.csv' }
  t.same(selectWindow(series, '1D', { width: 800 }), { start: 14, end: 21 })
  t.same(selectWindow(series, '5D', { width: 800 }), { start: 0, end: 21 }, 'fewer days than asked: all of them')
})

t.test('{from, to}: ISO dates, both inclusive', async (t) => {
  const w = selectWindow(spx, { from: '2020-01-01', to: '2020-01-31' }, { width: 800 })
  t.equal(w.end - w.start, 21)
  t.equal(iso(spx, w.start), '2020-01-02')
  t.equal(iso(spx, w.end - 1), '2020-01-31', 'a date-only `to` includes that whole day')
  t.ok(w.start > 0, 'earlier bars remain for indicator warm-up')
  const dt = selectWindow(spx, { from: '2020-01-02T00:00:00Z', to: '2020-01-03T00:00:00Z' }, { width: 800 })
  t.equal(dt.end - dt.start, 2, 'a date-time `to` includes the bar opening at that instant')
  const weekly = catalog.getSeries('SP:SPX', '1W')
  const mid = selectWindow(weekly, { from: '2020-01-08', to: '2020-01-09' }, { width: 800 })
  t.equal(mid.end - mid.start, 1, 'the weekly bar overlapping a mid-week range')
  t.equal(iso(weekly, mid.start), '2020-01-06')
  const monthly = catalog.getSeries('NASDAQ:AAPL', '1M')
  const lastDay = selectWindow(monthly, { from: '2009-01-31', to: '2009-01-31' }, { width: 800 })
  t.same([iso(monthly, lastDay.start), lastDay.end - lastDay.start], ['2009-01-01', 1], 'the monthly bar holding the 31st')
})

t.test('empty or inverted range: INVALID_REQUEST naming the data span', async (t) => {
  t.throws(() => selectWindow(spx, { from: '2021-01-01', to: '2021-02-01' }, { width: 800 }), {
    code: 'INVALID_REQUEST',
    message: 'SP:SPX has no daily bars between 2021-01-01 and 2021-02-01; its data covers 2000-01-03 to 2020-04-17'
  })
  t.throws(() => selectWindow(spx, { from: '2020-01-04', to: '2020-01-05' }, { width: 800 }), { code: 'INVALID_REQUEST', message: /no daily bars/ }, 'a weekend')
  t.throws(() => selectWindow(spx, { from: '2020-02-01', to: '2020-01-01' }, { width: 800 }), { code: 'INVALID_REQUEST', message: /must not be after/ })
})
