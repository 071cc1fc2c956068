import t from 'tap'
import { createBinanceProvider } from '../../../src/market/providers/binance/binance.js'
import { BASES, CONNECTOR_NOW, fakeBar, startConnector } from './fake-providers.js'

const HOUR = 3_600_000
const NOW = CONNECTOR_NOW
const signal = new AbortController().signal

t.test('klines: documented row format, pages of 1000 for a long range, [from, to) only', async (t) => {
  const { fake, provider } = await startConnector(t, createBinanceProvider)
  const from = NOW - 2500 * HOUR - HOUR / 2
  const bars = await provider.fetchBars({ ticker: 'BTCUSDT', interval: '1h', from, to: NOW, signal })
  const first = Math.ceil(from / HOUR) * HOUR
  t.equal(bars.length, (Math.floor(NOW / HOUR) * HOUR - first) / HOUR + 1, 'every hour up to the open bar')
  t.equal(bars[0].time, first)
  t.ok(bars.every((b, i) => i === 0 || b.time - bars[i - 1].time === HOUR), 'contiguous, oldest first, no duplicates')
  t.same(bars[bars.length - 1], { ...fakeBar(BASES.binance.BTCUSDT[2], Math.floor(NOW / HOUR) * HOUR, HOUR) }, 'values parsed from the string columns')
  const calls = fake.callsTo('/api/v3/klines')
  t.equal(calls.length, 3, '2501 klines take three requests of at most 1000')
  t.same(calls.map((c) => c.query.get('limit')), ['1000', '1000', '1000'])
  t.same(calls.map((c) => c.query.get('interval')), ['1h', '1h', '1h'])
  t.equal(Number(calls[1].query.get('startTime')), bars[999].time + 1, 'the next page starts after the last kline')
  t.equal(calls[0].query.get('endTime'), String(NOW - 1), 'endTime is inclusive, so to - 1')
})

t.test('daily, weekly and monthly codes; unknown symbol is -1121', async (t) => {
  const { fake, provider } = await startConnector(t, createBinanceProvider)
  const daily = await provider.fetchBars({ ticker: 'ETHUSDT', interval: '1D', from: NOW - 10 * 24 * HOUR, to: NOW, signal })
  t.equal(fake.callsTo('/api/v3/klines')[0].query.get('interval'), '1d')
  t.ok(daily.every((b) => b.time % (24 * HOUR) === 0), 'daily klines open at 00:00 UTC')
  await t.rejects(provider.fetchBars({ ticker: 'NOPEUSDT', interval: '1h', from: NOW - HOUR, to: NOW, signal }),
    { kind: 'unknown-symbol', message: 'Binance does not know this symbol: Invalid symbol. (code -1121)' })
  t.same(provider.toProviderTicker('BINANCE', 'btcusdt'), { ticker: 'BTCUSDT' })
  t.match(provider.toProviderTicker('BINANCE', 'BTC/USDT'), { error: /not a Binance symbol/ })
})

t.test('429 with a short Retry-After is waited out and retried; a long one fails at once with its hint', async (t) => {
  const { fake, provider } = await startConnector(t, createBinanceProvider, { maxRetryWaitMs: 5000 })
  fake.script('/api/v3/klines', { status: 429, body: { code: -1003, msg: 'Too many requests; current limit of IP is 6000 request weight per 1 MINUTE.' }, headers: { 'retry-after': '1' } })
  const bars = await provider.fetchBars({ ticker: 'BTCUSDT', interval: '1h', from: NOW - 5 * HOUR, to: NOW, signal })
  t.equal(bars.length, 5, '11:00 to the open 15:00 bar')
  t.equal(fake.callsTo('/api/v3/klines').length, 2, 'one refused, one retried')

  fake.script('/api/v3/klines', { status: 429, body: { code: -1003, msg: 'Too many requests.' }, headers: { 'retry-after': '120' } })
  await t.rejects(provider.fetchBars({ ticker: 'BTCUSDT', interval: '1h', from: NOW - 5 * HOUR, to: NOW, signal }),
    { kind: 'rate-limited', status: 429, retryAfterMs: 120_000, message: 'Binance rate limit reached: Too many requests. (code -1003); retry in 120 s' })
  t.equal(fake.callsTo('/api/v3/klines').length, 3, 'no retry when the wait is longer than allowed')

  fake.script('/api/v3/klines', { status: 418, body: { code: -1003, msg: 'Way too many requests; IP banned until 1790000000000.' }, headers: { 'retry-after': '2' } })
  await t.rejects(provider.fetchBars({ ticker: 'BTCUSDT', interval: '1h', from: NOW - 5 * HOUR, to: NOW, signal }), { kind: 'rate-limited', status: 418, message: /^Binance rate limit reached: Way too many requests/ }, '418 (IP ban) is never retried')
})

t.test('symbol search filters exchangeInfo (TRADING pairs), fetched once', async (t) => {
  const { fake, provider } = await startConnector(t, createBinanceProvider)
  t.same(await provider.searchSymbols?.('eth', 10, signal), [{ symbol: 'BINANCE:ETHUSDT', description: 'ETH/USDT (Binance spot)' }])
  t.equal((await provider.searchSymbols?.('USDT', 10, signal))?.length, 2)
  t.equal(fake.callsTo('/api/v3/exchangeInfo').length, 1)
})

t.test('unreachable: the reason is named', async (t) => {
  const { fake, provider } = await startConnector(t, createBinanceProvider)
  await fake.close()
  await t.rejects(provider.fetchBars({ ticker: 'BTCUSDT', interval: '1h', from: NOW - HOUR, to: NOW, signal }),
    { kind: 'unreachable', message: 'Binance could not be reached (ECONNREFUSED)' })
})
