import t from 'tap'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { silentLogger } from '../support/logger.js'

const catalog = createMarketCatalog({ log: silentLogger })
t.teardown(() => catalog.close())

t.test('every bundled symbol lists its intervals, dates, fields and source', async (t) => {
  const listing = catalog.listSymbols({})
  t.equal(listing.total, 7)
  t.same(listing.problems, [])
  const bySymbol = new Map(listing.symbols.map((s) => [s.symbol, s]))
  t.match(bySymbol.get('SP:SPX'), { exchange: 'SP', ticker: 'SPX', intervals: ['1D', '1W', '1M'], from: '2000-01-03', to: '2020-04-17', fields: 'ohlcv', source: 'sp500-2000.csv', description: 'S&P 500 index, daily, 2000–2020 (vega-datasets)' })
  t.match(bySymbol.get('CBOE:VIX'), { intervals: ['1D', '1W', '1M'], from: '2009-06-01', to: '2009-07-31', fields: 'ohlc', source: 'ohlc.json', description: /Volatility/ })
  for (const symbol of ['NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:MSFT', 'NYSE:IBM']) {
    t.match(bySymbol.get(symbol), { intervals: ['1M'], from: '2000-01-01', to: '2010-03-01', fields: 'close', source: 'stocks.csv', description: /monthly closes/ }, symbol)
  }
  t.match(bySymbol.get('NASDAQ:GOOG'), { intervals: ['1M'], from: '2004-08-01', to: '2010-03-01', fields: 'close' })
  for (const info of listing.symbols) t.same(info.intervals.length > 0 && info.intervals.every((i) => ['1D', '1W', '1M'].includes(i)), true)
})

t.test('series shapes', async (t) => {
  const spx = catalog.getSeries('SP:SPX', '1D')
  t.equal(spx.bars.length, 5105)
  t.match(spx, { symbol: 'SP:SPX', interval: '1D', fields: 'ohlcv', source: 'sp500-2000.csv' })
  t.same(spx.bars[0], { time: Date.parse('2000-01-03T00:00:00Z'), open: 1469.25, high: 1478, low: 1438.359985, close: 1455.219971, volume: 931800000 })
  const vix = catalog.getSeries('CBOE:VIX', '1D')
  t.equal(vix.bars.length, 44)
  t.equal(vix.bars[0].volume, null)
  const aapl = catalog.getSeries('nasdaq:aapl', '1M')
  t.equal(aapl.symbol, 'NASDAQ:AAPL', 'symbols are case-insensitive')
  t.equal(aapl.bars.length, 123)
  t.same(aapl.bars[0], { time: Date.parse('2000-01-01T00:00:00Z'), open: 25.94, high: 25.94, low: 25.94, close: 25.94, volume: null })
  for (let i = 1; i < spx.bars.length; i++) if (spx.bars[i].time <= spx.bars[i - 1].time) t.fail(`unsorted at ${i}`)
  t.equal(catalog.getSeries('SP:SPX', '1D'), spx, 'cached: the same object on the next call')
})

t.test('listSymbols filters by exchange (exact, case-insensitive), query and limit', async (t) => {
  t.same(catalog.listSymbols({ exchange: 'nasdaq' }).symbols.map((s) => s.symbol), ['NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:GOOG', 'NASDAQ:MSFT'])
  t.same(catalog.listSymbols({ exchange: 'NAS' }).total, 0, 'exchange is matched exactly')
  t.same(catalog.listSymbols({ query: 'apple' }).symbols.map((s) => s.symbol), ['NASDAQ:AAPL'], 'description matches')
  t.same(catalog.listSymbols({ query: 'vix' }).symbols.map((s) => s.symbol), ['CBOE:VIX'])
  const limited = catalog.listSymbols({ limit: 2 })
  t.equal(limited.symbols.length, 2)
  t.equal(limited.total, 7)
})

t.test('unknown symbol: UNKNOWN_SYMBOL listing the known symbols', async (t) => {
  t.throws(() => catalog.getSeries('NASDAQ:TSLA', '1D'), {
    name: 'ChartError',
    code: 'UNKNOWN_SYMBOL',
    message: 'Unknown symbol NASDAQ:TSLA. Known symbols: SP:SPX, CBOE:VIX, NASDAQ:AAPL, NASDAQ:AMZN, NASDAQ:GOOG, NASDAQ:MSFT, NYSE:IBM'
  })
  t.throws(() => catalog.dataVersion('X:Y'), { code: 'UNKNOWN_SYMBOL' })
})

t.test('interval finer than the data: UNSUPPORTED_INTERVAL naming exactly what is available', async (t) => {
  t.throws(() => catalog.getSeries('SP:SPX', '4h'), { code: 'UNSUPPORTED_INTERVAL', message: 'SP:SPX has daily data; use 1D, 1W or 1M' })
  t.throws(() => catalog.getSeries('NASDAQ:AAPL', '1D'), { code: 'UNSUPPORTED_INTERVAL', message: 'NASDAQ:AAPL has monthly data; use 1M' })
  t.throws(() => catalog.getSeries('NASDAQ:AAPL', '1W'), { code: 'UNSUPPORTED_INTERVAL' })
  t.throws(() => catalog.getSeries('CBOE:VIX', '1m'), { message: 'CBOE:VIX has daily data; use 1D, 1W or 1M' })
})

t.test('dataVersion is stable for bundled data and differs between files', async (t) => {
  t.equal(catalog.dataVersion('SP:SPX'), catalog.dataVersion('sp:spx'))
  t.match(catalog.dataVersion('SP:SPX'), /^vega-datasets@\d+\.\d+\.\d+\/sp500-2000\.csv$/)
  t.not(catalog.dataVersion('SP:SPX'), catalog.dataVersion('CBOE:VIX'))
})
