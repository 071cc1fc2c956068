import t, { type Test } from 'tap'
import { barTime, createTwelveDataProvider } from '../../../src/market/providers/twelvedata/twelvedata.js'
import { BASES, CONNECTOR_NOW, fakeBar, startConnector, TWELVEDATA_KEY } from './fake-providers.js'

const MINUTE = 60_000
const DAY = 86_400_000
// Friday 2026-11-27 10:20 in New York (EST, UTC-5); Thursday the 26th is Thanksgiving, a market holiday.
const NOW = CONNECTOR_NOW
const signal = new AbortController().signal

async function setup (t: Test, apiKey = TWELVEDATA_KEY, requestsPerMinute = 1000) {
  return await startConnector(t, (options) => createTwelveDataProvider({ ...options, apiKey, requestsPerMinute }))
}

t.test('daily bars carry exchange-local trading dates: 00:00 UTC of each date, no weekends or holidays', async (t) => {
  const { fake, provider } = await setup(t)
  const { ticker } = provider.toProviderTicker('NASDAQ', 'aapl') as { ticker: string }
  t.equal(ticker, 'NASDAQ:AAPL')
  const bars = await provider.fetchBars({ ticker, interval: '1D', from: Date.UTC(2026, 10, 19), to: NOW, signal })
  t.same(bars.map((b) => new Date(b.time).toISOString()), [
    '2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z', '2026-11-23T00:00:00.000Z', '2026-11-24T00:00:00.000Z',
    '2026-11-25T00:00:00.000Z', '2026-11-27T00:00:00.000Z'
  ], 'Thanksgiving and the weekend are absent; today (open since 09:30) is there')
  const call = fake.callsTo('/time_series')[0]
  t.same(Object.fromEntries(call.query), {
    symbol: 'AAPL', exchange: 'NASDAQ', interval: '1day', start_date: '2026-11-18', end_date: '2026-11-27', outputsize: '5000', order: 'asc'
  }, 'dates asked in New York time (19th 00:00 UTC is the 18th there)')
  t.equal(call.headers.authorization, `apikey ${TWELVEDATA_KEY}`, 'the key travels in the documented header')
  t.notMatch(fake.calls.map((c) => c.query.toString()).join('\n'), TWELVEDATA_KEY, 'never in a URL')
  t.equal(bars[bars.length - 1].close, fakeBar(BASES.equities.AAPL[2], Date.UTC(2026, 10, 27), 390 * MINUTE).close)
})

t.test('intraday: New York wall-clock datetimes become UTC, across the DST change', async (t) => {
  t.equal(barTime('2026-11-27 09:30:00', 'America/New_York', '15m'), Date.UTC(2026, 10, 27, 14, 30), 'EST: UTC-5')
  t.equal(barTime('2026-07-01 09:30:00', 'America/New_York', '15m'), Date.UTC(2026, 6, 1, 13, 30), 'EDT: UTC-4')
  t.equal(barTime('2026-11-27', 'America/New_York', '1D'), Date.UTC(2026, 10, 27))
  t.equal(barTime('27/11/2026', 'America/New_York', '1D'), undefined)

  const { fake, provider } = await setup(t)
  const bars = await provider.fetchBars({ ticker: 'NYSE:IBM', interval: '15m', from: Date.UTC(2026, 10, 25), to: NOW, signal })
  t.equal(bars.length, 26 + 4, 'Wednesday\'s 26 quarter hours, none on Thanksgiving, 09:30–10:15 on Friday')
  t.equal(new Date(bars[0].time).toISOString(), '2026-11-25T14:30:00.000Z')
  t.equal(new Date(bars[bars.length - 1].time).toISOString(), '2026-11-27T15:15:00.000Z')
  t.equal(fake.callsTo('/time_series')[0].query.get('start_date'), '2026-11-24 19:00:00', 'start asked in New York time')
})

t.test('long ranges page backwards in 5000-point answers', async (t) => {
  const { fake, provider } = await setup(t)
  const from = NOW - 40 * DAY
  const bars = await provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1m', from, to: NOW, signal })
  const calls = fake.callsTo('/time_series')
  t.ok(calls.length >= 2, `${calls.length} requests`)
  t.ok(bars.length > 5000, `${bars.length} bars`)
  t.ok(bars.every((b, i) => i === 0 || b.time > bars[i - 1].time), 'sorted, no duplicates across pages')
  t.equal(new Set(bars.map((b) => b.time)).size, bars.length)
  t.equal(new Date(bars[bars.length - 1].time).toISOString(), '2026-11-27T15:19:00.000Z', 'to is exclusive')
})

t.test('errors in 200 bodies: bad key, unknown symbol, out of credits (429)', async (t) => {
  const bad = await setup(t, 'wrong-key')
  await t.rejects(bad.provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal }),
    { kind: 'rejected', message: /Twelve Data refused the API key \(TWELVEDATA_API_KEY\): \*\*apikey\*\* parameter is incorrect/ })
  await t.rejects(bad.provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal }),
    { message: /^(?![\s\S]*wrong-key)/ }, 'the key is never in a message')

  const { fake, provider } = await setup(t)
  await t.rejects(provider.fetchBars({ ticker: 'NASDAQ:NOPE', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal }),
    { kind: 'unknown-symbol', message: /\*\*symbol\*\* not found: NOPE/ })
  const credits = { status: 200, body: { code: 429, message: 'You have run out of API credits for the current minute. 9 API credits were used, with the current limit being 8.', status: 'error' } }
  fake.script('/time_series', credits, credits)
  await t.rejects(provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal }),
    { kind: 'rate-limited', message: /Twelve Data rate limit reached: You have run out of API credits/ })
  t.equal(fake.callsTo('/time_series').length, 3, 'retried once (after the default wait), then reported')
})

t.test('symbol search keeps the exchanges served', async (t) => {
  const { provider } = await setup(t)
  t.same(await provider.searchSymbols?.('apple', 5, signal), [{ symbol: 'NASDAQ:AAPL', description: 'Apple Inc (Common Stock), via Twelve Data' }])
})

t.test('the per-minute limiter queues requests; a cancelled one stops waiting for its turn', async (t) => {
  const { fake, provider } = await setup(t, TWELVEDATA_KEY, 1)
  await provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal })
  const controller = new AbortController()
  const queued = provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal: controller.signal })
  setImmediate(() => { controller.abort() })
  await t.rejects(queued, { kind: 'cancelled', message: 'The request to Twelve Data was cancelled' })
  t.equal(fake.callsTo('/time_series').length, 1, 'the second request never went out: 1 per minute')
  // Closing the connector (server shutdown) ends the wait of a request still in the queue, and the limiter's timer
  // with it: a process that closed its server is not kept alive for the rest of the minute.
  const waiting = provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: NOW - 5 * DAY, to: NOW, signal })
  provider.close()
  await t.rejects(waiting, { kind: 'cancelled', message: 'Twelve Data is closed' })
  t.equal(fake.callsTo('/time_series').length, 1, 'nothing went out after close')
})
