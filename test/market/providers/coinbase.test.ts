import t from 'tap'
import { createCoinbaseProvider } from '../../../src/market/providers/coinbase/coinbase.js'
import { BASES, CONNECTOR_NOW, fakeBar, startConnector } from './fake-providers.js'

const MINUTE = 60_000
const NOW = CONNECTOR_NOW
const signal = new AbortController().signal

t.test('TradingView tickers map to products: ETHUSD → ETH-USD, BTCUSDC → BTC-USDC; BTC-USD as is', async (t) => {
  const { provider } = await startConnector(t, createCoinbaseProvider)
  t.same(provider.toProviderTicker('COINBASE', 'ETHUSD'), { ticker: 'ETH-USD' })
  t.same(provider.toProviderTicker('COINBASE', 'btcusdc'), { ticker: 'BTC-USDC' })
  t.same(provider.toProviderTicker('COINBASE', 'BTC-USD'), { ticker: 'BTC-USD' })
  t.match(provider.toProviderTicker('COINBASE', 'FOO'), { error: /not a Coinbase product/ })
})

t.test('candles: newest-first arrays of [time, low, high, open, close, volume], pages of 300 buckets', async (t) => {
  const { fake, provider } = await startConnector(t, createCoinbaseProvider)
  const step = 15 * MINUTE
  const from = NOW - 700 * step
  const bars = await provider.fetchBars({ ticker: 'ETH-USD', interval: '15m', from, to: NOW, signal })
  const open = Math.floor(NOW / step) * step
  t.equal(bars.length, (open - Math.ceil(from / step) * step) / step + 1)
  t.ok(bars.every((b, i) => i === 0 || b.time - bars[i - 1].time === step), 'oldest first, contiguous')
  t.same(bars[bars.length - 1], fakeBar(BASES.coinbase['ETH-USD'], open, step), 'columns read in the documented order')
  const calls = fake.callsTo('/products/ETH-USD/candles')
  t.equal(calls.length, 3, '701 buckets take three requests')
  for (const call of calls) {
    t.equal(call.query.get('granularity'), '900')
    const buckets = (Date.parse(call.query.get('end') ?? '') - Date.parse(call.query.get('start') ?? '')) / step + 1
    t.ok(buckets <= 300, `a page asks for ${buckets} buckets`)
  }
})

t.test('errors: unknown product 404, unsupported interval, 429 with Retry-After retried', async (t) => {
  const { fake, provider } = await startConnector(t, createCoinbaseProvider)
  await t.rejects(provider.fetchBars({ ticker: 'NOPE-USD', interval: '1h', from: NOW - 3_600_000, to: NOW, signal }),
    { kind: 'unknown-symbol', message: 'Coinbase does not know this product: NotFound' })
  await t.rejects(provider.fetchBars({ ticker: 'BTC-USD', interval: '30m', from: NOW - 3_600_000, to: NOW, signal }), { kind: 'rejected', message: /no 30m candles/ })
  fake.script('/products/', { status: 429, body: { message: 'Public rate limit exceeded' }, headers: { 'retry-after': '1' } })
  const bars = await provider.fetchBars({ ticker: 'BTC-USD', interval: '1h', from: NOW - 3 * 3_600_000, to: NOW, signal })
  t.equal(bars.length, 3)
  t.equal(fake.callsTo('/products/BTC-USD').length, 2, 'retried after the wait')
  fake.script('/products/', { status: 429, body: { message: 'Public rate limit exceeded' } }, { status: 429, body: { message: 'Public rate limit exceeded' } }, { status: 429, body: { message: 'Public rate limit exceeded' } })
  await t.rejects(provider.fetchBars({ ticker: 'BTC-USD', interval: '1h', from: NOW - 3 * 3_600_000, to: NOW, signal }),
    { kind: 'rate-limited', message: 'Coinbase rate limit reached: Public rate limit exceeded' }, 'three 429s: gives up with the reason')
})

t.test('symbol search over the product list', async (t) => {
  const { provider } = await startConnector(t, createCoinbaseProvider)
  t.same(await provider.searchSymbols?.('eth', 10, signal), [{ symbol: 'COINBASE:ETHUSD', description: 'ETH/USD (Coinbase Exchange)' }])
})
