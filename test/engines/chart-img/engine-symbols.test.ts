import t from 'tap'
import { INTERVALS } from '../../../src/chart/request.js'
import { setup } from './harness.js'

t.test('symbols of an exchange, from v3 with x-api-key, as SymbolInfo', async (t) => {
  const { fake, engine } = await setup(t)
  const listing = await engine.listSymbols({ exchange: 'nasdaq' })
  t.equal(fake.requests.length, 1)
  t.match(fake.requests[0], { method: 'GET', path: '/v3/tradingview/exchange/NASDAQ', query: {}, key: 'valid' })
  t.equal(listing.total, 4)
  t.same(listing.problems, [])
  t.same(listing.symbols[0], {
    symbol: 'NASDAQ:AAPL', exchange: 'NASDAQ', ticker: 'AAPL', description: 'Apple Inc.', intervals: [...INTERVALS], source: 'chart-img'
  })
})

t.test('query goes upstream as ?symbol= and results are ranked (exact ticker first)', async (t) => {
  const { fake, engine } = await setup(t, {
    fake: { symbols: { NASDAQ: [{ symbol: 'AALX', description: 'Other' }, { symbol: 'XAAL', description: 'x' }, { symbol: 'AAL', description: 'American Airlines' }] } }
  })
  const listing = await engine.listSymbols({ exchange: 'NASDAQ', query: 'aal', limit: 2 })
  t.same(fake.requests[0].query, { symbol: 'aal' })
  t.same(listing.symbols.map((s) => s.symbol), ['NASDAQ:AAL', 'NASDAQ:AALX'])
  t.equal(listing.total, 3, 'total before limit')
})

t.test('string items and object items with exchange/name fields are both read', async (t) => {
  const { engine } = await setup(t, {
    fake: {
      symbols: {
        BINANCE: ['BINANCE:BTCUSDT', 'ETHUSDT', { name: 'SOLUSDT', description: 'Solana / Tether' }, { symbol: 'BTCUSDT.P', exchange: 'BINANCE' }, 42, { nothing: true }]
      }
    }
  })
  const listing = await engine.listSymbols({ exchange: 'BINANCE' })
  t.same(listing.symbols.map((s) => [s.symbol, s.description]), [
    ['BINANCE:BTCUSDT', undefined], ['BINANCE:ETHUSDT', undefined], ['BINANCE:SOLUSDT', 'Solana / Tether'], ['BINANCE:BTCUSDT.P', undefined]
  ])
})

t.test('cached per URL for symbolsTtlMs; refetched after the TTL', async (t) => {
  let now = 1_000_000
  const { fake, engine } = await setup(t, { engine: { symbolsTtlMs: 60_000, now: () => now } })
  await engine.listSymbols({ exchange: 'NASDAQ' })
  await engine.listSymbols({ exchange: 'NASDAQ', limit: 1 })
  t.equal(fake.requests.length, 1, 'second call served from the cache')
  await engine.listSymbols({ exchange: 'NASDAQ', query: 'AAPL' })
  t.equal(fake.requests.length, 2, 'another URL is another entry')
  now += 60_001
  await engine.listSymbols({ exchange: 'NASDAQ' })
  t.equal(fake.requests.length, 3, 'refetched after the TTL')
})

t.test('concurrent identical listings share one request; failures are not cached', async (t) => {
  const { fake, engine } = await setup(t, { engine: { maxAttempts: 1 } })
  await Promise.all([engine.listSymbols({ exchange: 'NYSE' }), engine.listSymbols({ exchange: 'NYSE' })])
  t.equal(fake.requests.length, 1)
  fake.script({ kind: 'status', status: 500 })
  await t.rejects(engine.listSymbols({ exchange: 'SP' }), { code: 'UPSTREAM' })
  const listing = await engine.listSymbols({ exchange: 'SP' })
  t.equal(listing.symbols[0].symbol, 'SP:SPX')
  t.equal(fake.requests.length, 3)
})

t.test('no exchange: EXCHANGE:TICKER queries search that exchange', async (t) => {
  const { fake, engine } = await setup(t)
  const listing = await engine.listSymbols({ query: 'nyse:IBM' })
  t.same(fake.requests.map((r) => [r.path, r.query]), [['/v3/tradingview/exchange/NYSE', { symbol: 'IBM' }]])
  t.equal(listing.symbols[0].symbol, 'NYSE:IBM')
})

t.test('no exchange: a query naming an exchange lists it', async (t) => {
  const { fake, engine } = await setup(t)
  const listing = await engine.listSymbols({ query: 'binance' })
  t.same(fake.requests.map((r) => r.path), ['/v3/tradingview/exchange/list', '/v3/tradingview/exchange/BINANCE'])
  t.equal(listing.total, 3)
})

t.test('no exchange and a free-text query: no fan-out, a problem that tells the caller what to do', async (t) => {
  const { fake, engine } = await setup(t)
  let listing = await engine.listSymbols({ query: 'nasdaq stock' })
  t.same(listing.symbols, [])
  t.match(listing.problems[0], /one exchange at a time: call again with `exchange` set/)
  t.match(listing.problems[0], /Exchanges matching "nasdaq stock": NASDAQ \(Nasdaq Stock Market\)/)

  listing = await engine.listSymbols({ query: 'apple' })
  t.match(listing.problems[0], /Chart-IMG exchanges \(4\): NASDAQ, NYSE, BINANCE, SP\./)
  listing = await engine.listSymbols({})
  t.match(listing.problems[0], /Chart-IMG exchanges \(4\)/)
  t.same(fake.requests.map((r) => r.path), ['/v3/tradingview/exchange/list'], 'one (cached) exchange listing, nothing else')
})

t.test('an unknown exchange is explained, with similar names', async (t) => {
  const { engine } = await setup(t)
  const listing = await engine.listSymbols({ exchange: 'NAS' })
  t.same(listing.symbols, [])
  t.match(listing.problems[0], /does not list an exchange "NAS" \(422 Invalid Exchange\)\. Exchanges with similar names: NASDAQ/)
})

t.test('symbol listing errors: AUTH and malformed payloads', async (t) => {
  const { engine } = await setup(t, { engine: { apiKey: 'nope-nope-nope-nope' } })
  t.match(await engine.listSymbols({ exchange: 'NASDAQ' }).catch((e: unknown) => e), { code: 'AUTH' })
  const { engine: good, fake: fake2 } = await setup(t)
  fake2.script({ kind: 'raw', contentType: 'application/json', body: '{"payload":{"weird":1}}' })
  t.match(await good.listSymbols({ exchange: 'NASDAQ' }).catch((e: unknown) => e), { code: 'UPSTREAM', message: /without a list under "payload"/ })
  fake2.script({ kind: 'raw', contentType: 'text/html', body: '<html></html>' })
  t.match(await good.listSymbols({ exchange: 'NYSE' }).catch((e: unknown) => e), { code: 'UPSTREAM', message: /not JSON/ })
})
