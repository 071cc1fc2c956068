import t, { type Test } from 'tap'
import { join } from 'node:path'
import { completeJob, prepareJobInput } from '../../src/engines/local/prepare-job.js'
import { openSqliteBarCache } from '../../src/market/sqlite-bar-cache.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { createMarketData, type MarketData } from '../../src/market/market-data.js'
import { buildChartOption } from '../../src/render/option-builder.js'
import { chartRequest } from '../render/helpers.js'
import { waitFor } from '../sse/wait.js'
import { silentLogger } from '../support/logger.js'
import { BASES, fakeBar, providersAt, startFakeProviders, type FakeProviders } from './providers/fake-providers.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
// Friday 2026-11-27, 15:20 UTC (10:20 in New York; Thursday was Thanksgiving).
const NOW = Date.UTC(2026, 10, 27, 15, 20)

interface World {
  fake: FakeProviders
  market: MarketData
  clock: { now: number }
}

async function world (t: Test): Promise<World> {
  const clock = { now: NOW }
  const fake = await startFakeProviders(() => clock.now)
  t.teardown(fake.close)
  const market = createMarketData({
    catalog: createMarketCatalog({ log: silentLogger }),
    providers: providersAt(fake.url),
    cache: openSqliteBarCache(join(t.testdir(), 'market-cache.sqlite')),
    now: () => clock.now,
    log: silentLogger
  })
  t.teardown(async () => { await market.close() })
  return { fake, market, clock }
}

/** Loads a chart's data as the engine does and builds its job and ECharts option (the header the image shows). */
async function chart (market: MarketData, args: Record<string, unknown>) {
  const request = chartRequest(args)
  const fetches: string[] = []
  const loaded = await market.loadSeries(request.symbol, request.interval, { range: request.range, width: request.width, signal: new AbortController().signal, onFetch: (m) => fetches.push(m) })
  const { job } = completeJob(prepareJobInput(request, loaded.series).input)
  const header = ((buildChartOption(job).option.graphic as { elements: Array<{ style: { text: string } }> }).elements[0]).style.text
  return { job, header, loaded, fetches }
}

t.test('BINANCE:BTCUSDT 1h 5D: the last five UTC days of hourly klines, last close in the header', async (t) => {
  const { market } = await world(t)
  const { job, header, fetches } = await chart(market, { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' })
  t.equal(job.bars.close.length, 4 * 24 + 16, 'Nov 23–26 whole, Nov 27 00:00–15:00')
  const last = fakeBar(BASES.binance.BTCUSDT[2], Date.UTC(2026, 10, 27, 15), HOUR)
  t.equal(job.bars.close[job.bars.close.length - 1], last.close)
  t.match(header, 'BINANCE:BTCUSDT · 1h')
  t.match(header, `|${last.close.toFixed(2)}}`, `header shows the last close ${last.close}`)
  t.match(fetches, [/^Fetching data from Binance: BINANCE:BTCUSDT 1h bars /])
})

t.test('COINBASE:ETHUSD 15m 1D: today\'s quarter hours from Coinbase candles', async (t) => {
  const { market, fake } = await world(t)
  const { job, header, fetches } = await chart(market, { symbol: 'COINBASE:ETHUSD', interval: '15m', range: '1D' })
  t.equal(job.bars.close.length, 62, '00:00 to 15:15')
  const last = fakeBar(BASES.coinbase['ETH-USD'], Date.UTC(2026, 10, 27, 15, 15), 15 * MINUTE)
  t.equal(job.bars.close[job.bars.close.length - 1], last.close)
  t.match(header, `|${last.close.toFixed(2)}}`)
  t.match(fetches, [/^Fetching data from Coinbase: COINBASE:ETHUSD 15m bars/])
  t.ok(fake.callsTo('/products/ETH-USD/candles').length >= 1)
})

t.test('NASDAQ:AAPL 15m 5D through Twelve Data: five sessions in New York hours, Thanksgiving skipped', async (t) => {
  const { market } = await world(t)
  const { job, header, loaded } = await chart(market, { symbol: 'NASDAQ:AAPL', interval: '15m', range: '5D' })
  t.equal(job.bars.close.length, 4 * 26 + 4, 'Nov 20, 23, 24, 25 (26 bars each) and Friday 09:30–10:15')
  t.equal(new Date(job.bars.time[0]).toISOString(), '2026-11-20T14:30:00.000Z', '09:30 New York is 14:30 UTC')
  const last = fakeBar(BASES.equities.AAPL[2], Date.UTC(2026, 10, 27, 15, 15), 15 * MINUTE)
  t.equal(job.bars.close[job.bars.close.length - 1], last.close)
  t.match(header, `|${last.close.toFixed(2)}}`)
  t.equal(loaded.series.source, 'Twelve Data')
})

// The cache cases (0 calls for an identical chart, only the missing part of an overlap, the open bar's freshness)
// run against both stores in ./bar-cache-contract.test.ts.

t.test('offline: cached bars are drawn with their age said; nothing cached is an error naming the provider and why', async (t) => {
  const { market, fake, clock } = await world(t)
  const online = await chart(market, { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' })
  await fake.close()
  clock.now += 2 * HOUR
  const offline = await chart(market, { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' })
  t.match(offline.loaded.notes, [/^Binance could not be reached \(ECONNREFUSED\)\. Drawn from cached Binance bars fetched 2 h ago \(2026-11-27T15:20Z\); the last bar opened 2026-11-27T15:00:00\.000Z$/])
  t.equal(offline.job.bars.close.at(-1), online.job.bars.close.at(-1), 'the cached bars, nothing invented for the two hours since')

  await t.rejects(chart(market, { symbol: 'BINANCE:ETHUSDT', interval: '1h', range: '5D' }),
    { code: 'UPSTREAM', message: 'No data for BINANCE:ETHUSDT 1h: Binance could not be reached (ECONNREFUSED), and nothing is cached' })

  const bundled = await chart(market, { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', range: 'ALL' })
  t.match(bundled.loaded.notes, [/^Twelve Data could not be reached \(ECONNREFUSED\); nothing from Twelve Data is cached, so this is the bundled offline data \(2000-01-01 to 2010-03-01\)$/], 'the bundled data is the offline floor')
})

t.test('rate limited with nothing cached: RATE_LIMITED with the provider\'s retry hint; unknown symbols are named', async (t) => {
  const { market, fake } = await world(t)
  fake.script('/api/v3/klines', { status: 429, body: { code: -1003, msg: 'Too many requests.' }, headers: { 'retry-after': '120' } })
  await t.rejects(chart(market, { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' }),
    { code: 'RATE_LIMITED', retryAfterSeconds: 120, message: /Binance rate limit reached: Too many requests\. \(code -1003\); retry in 120 s/ })
  await t.rejects(chart(market, { symbol: 'COINBASE:DOGEUSD', interval: '1h' }), { code: 'UNKNOWN_SYMBOL', message: 'COINBASE:DOGEUSD: Coinbase does not know this product: NotFound' })
  const weekly = await chart(market, { symbol: 'COINBASE:ETHUSD', interval: '1W', range: '3M' })
  t.ok(weekly.job.bars.time.every((time) => new Date(time).getUTCDay() === 1), 'Coinbase has no weekly candles: weeks are built from its days, Monday first')
})

t.test('listing: provider, intervals and horizon per symbol; a query searches providers', async (t) => {
  const { market } = await world(t)
  const eth = await market.listSymbols({ query: 'eth' })
  t.match(eth.symbols, [
    { symbol: 'BINANCE:ETHUSDT', source: 'Binance', horizon: /listing on Binance.*1000 klines per request/, intervals: ['1m', '3m', '5m', '15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M'] },
    { symbol: 'COINBASE:ETHUSD', source: 'Coinbase', horizon: /300 candles per request/ }
  ])
  const nasdaq = await market.listSymbols({ exchange: 'nasdaq', query: 'apple' })
  t.match(nasdaq.symbols, [{ symbol: 'NASDAQ:AAPL', source: 'Twelve Data', description: /^Apple Inc\., monthly closes.*; live data from Twelve Data, this bundled data when it cannot be reached$/ }], 'the bundled symbol is listed as the provider serves it')

  await chart(market, { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' })
  const all = await market.listSymbols({})
  t.match(all.symbols.find((s) => s.symbol === 'BINANCE:BTCUSDT'), { source: 'Binance', from: /^2026-11-1/, to: '2026-11-27T15:00:00.000Z' }, 'charted symbols are listed with the span cached')
  t.notOk(all.symbols.some((s) => s.symbol === 'COINBASE:ETHUSD'), 'no provider search without a query or exchange')
})

t.test('identical charts at once fetch once; a cancelled chart stops its fetch', async (t) => {
  const { market, fake } = await world(t)
  const [a, b] = await Promise.all([
    chart(market, { symbol: 'BINANCE:ETHUSDT', interval: '1h', range: '5D' }),
    chart(market, { symbol: 'BINANCE:ETHUSDT', interval: '1h', range: '5D' })
  ])
  t.equal(fake.callsTo('/api/v3/klines').length, 1, 'the second waited for the first and found the bars cached')
  t.equal(a.job.bars.close.length, b.job.bars.close.length)

  fake.delayMs = 60_000
  const controller = new AbortController()
  const load = market.loadSeries('COINBASE:BTCUSD', '1h', { range: '5D', width: 800, signal: controller.signal, onFetch: () => {} })
  const seen = fake.calls.length
  await waitFor('request reached the provider', () => fake.calls.length > seen)
  controller.abort()
  await t.rejects(load, { code: 'CANCELLED', message: 'The chart request was cancelled' })
})
