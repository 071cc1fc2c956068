/**
 * One contract, two stores: every case runs against the SQLite bar cache and against the Redis one (a real
 * redis-server started here). Cases at the cache's own interface, then charts through the market-data layer with the
 * fake providers and a fake clock, then the Twelve Data daily quota counted in the store.
 */
import t, { type Test } from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { isChartError } from '../../src/chart/errors.js'
import type { BarCache, BarCacheKey } from '../../src/market/bar-cache.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { WARMUP_BARS } from '../../src/market/fetch-span.js'
import { createMarketData, type MarketData } from '../../src/market/market-data.js'
import { createTwelveDataProvider } from '../../src/market/providers/twelvedata/twelvedata.js'
import { KEY_TTL_MS, openRedisBarCache, REQUEST_COUNT_TTL_MS } from '../../src/market/redis-bar-cache.js'
import { openSqliteBarCache } from '../../src/market/sqlite-bar-cache.js'
import { silentLogger } from '../support/logger.js'
import { freePort, startRedis } from '../support/redis-server.js'
import { providersAt, startFakeProviders, TWELVEDATA_KEY, type FakeProviders } from './providers/fake-providers.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
// Friday 2026-11-27, 15:20 UTC.
const NOW = Date.UTC(2026, 10, 27, 15, 20)
const key: BarCacheKey = { provider: 'binance', ticker: 'BTCUSDT', interval: '1h' }
const bar = (time: number, close = 1): { time: number, open: number, high: number, low: number, close: number, volume: number } => ({ time, open: 1, high: 2, low: 0.5, close, volume: 3 })

const redisDir = await mkdtemp(join(tmpdir(), 'bar-cache-redis-'))
t.teardown(async () => { await rm(redisDir, { recursive: true, force: true }) })
const redis = await startRedis(t, redisDir)
let prefixes = 0

/** A store: each `open()` is one more handle (one more instance) on the same data; all are closed at teardown. */
type OpenStore = (t: Test) => () => BarCache

const stores: Record<string, OpenStore> = {
  SQLite: (t) => {
    const file = join(t.testdir(), 'market-cache.sqlite')
    return () => handle(t, openSqliteBarCache(file))
  },
  Redis: (t) => {
    // A key prefix per test keeps the cases apart on the one server.
    const prefix = `test${++prefixes}:market:`
    return () => handle(t, openRedisBarCache({ url: redis.url, log: silentLogger, prefix }))
  }
}

function handle (t: Test, cache: BarCache): BarCache {
  t.teardown(async () => { await cache.close() })
  return cache
}

function marketData (t: Test, cache: BarCache, fake: FakeProviders, clock: { now: number }): MarketData {
  const market = createMarketData({ catalog: createMarketCatalog({ log: silentLogger }), providers: providersAt(fake.url), cache, now: () => clock.now, log: silentLogger })
  t.teardown(async () => { await market.close() })
  return market
}

async function chart (market: MarketData, symbol: string, interval: '1h', range: string | { from: string, to: string }): Promise<{ closes: number[], fetches: string[] }> {
  const fetches: string[] = []
  const loaded = await market.loadSeries(symbol, interval, { range: range as '5D', width: 800, signal: new AbortController().signal, onFetch: (m) => fetches.push(m) })
  return { closes: loaded.series.bars.map((b) => b.close), fetches }
}

for (const [name, store] of Object.entries(stores)) {
  t.test(`${name} bar cache`, async (t) => {
    t.test('closed bars are covered for good, the open bar only while fresh; data survives a reopen', async (t) => {
      const open = store(t)
      const now = 100 * HOUR + 20 * MINUTE
      const first = open()
      await first.store(key, [bar(90 * HOUR), bar(100 * HOUR, 7)], { start: 90 * HOUR, end: now }, now)
      t.same(await first.missing(key, 90 * HOUR, now, now), [], 'everything fetched is fresh')
      t.same(await first.missing(key, 80 * HOUR, now + MINUTE, now + MINUTE), [{ start: 80 * HOUR, end: 90 * HOUR }], 'older hours are missing')
      t.same(await first.missing(key, 90 * HOUR, now + 6 * MINUTE, now + 6 * MINUTE), [{ start: 100 * HOUR, end: now + 6 * MINUTE }], 'after 5 minutes the open bar is fetched again')
      await first.close()

      const cache = open()
      t.same((await cache.bars(key, 0, 200 * HOUR)).map((b) => b.close), [1, 7])
      t.same(await cache.bars(key, 90 * HOUR, 100 * HOUR), [bar(90 * HOUR)], '[from, to): the bar opening at `to` is left out; volumes and prices kept')
      t.equal(await cache.lastFetchedAt(key), now)
      t.equal(await cache.lastFetchedAt({ ...key, interval: '1D' }), undefined, 'per interval')
      await cache.store(key, [bar(100 * HOUR, 8), bar(101 * HOUR, 9)], { start: 100 * HOUR, end: 101 * HOUR + MINUTE }, 101 * HOUR + MINUTE)
      t.same((await cache.bars(key, 0, 200 * HOUR)).map((b) => b.close), [1, 8, 9], 'the open bar is replaced by its closed values')
      t.same(await cache.missing(key, 90 * HOUR, 101 * HOUR + 2 * MINUTE, 101 * HOUR + 2 * MINUTE), [], 'contiguous coverage merged with the new open bar')
      await cache.store({ provider: 'twelvedata', ticker: 'NASDAQ:AAPL', interval: '1D' }, [bar(0)], { start: 0, end: 86_400_000 }, 2 * 86_400_000)
      t.same(await cache.cachedSymbols('binance'), [{ ticker: 'BTCUSDT', interval: '1h', from: 90 * HOUR, to: 101 * HOUR }])
      t.same(await cache.cachedSymbols('twelvedata'), [{ ticker: 'NASDAQ:AAPL', interval: '1D', from: 0, to: 0 }], 'tickers with a colon keep it')
    })

    t.test('a second instance sees the first one\'s bars and coverage at once', async (t) => {
      const open = store(t)
      const [a, b] = [open(), open()]
      await a.store(key, [bar(90 * HOUR), bar(91 * HOUR)], { start: 90 * HOUR, end: 92 * HOUR }, 95 * HOUR)
      t.same((await b.bars(key, 0, 100 * HOUR)).map((x) => x.time), [90 * HOUR, 91 * HOUR])
      t.same(await b.missing(key, 90 * HOUR, 92 * HOUR, 95 * HOUR), [])
    })

    t.test('requests are counted per provider and UTC day, one count for every instance', async (t) => {
      const open = store(t)
      const [a, b] = [open(), open()]
      t.equal(await a.countRequest('twelvedata', '2026-11-27'), 1)
      t.equal(await b.countRequest('twelvedata', '2026-11-27'), 2)
      t.equal(await a.countRequest('twelvedata', '2026-11-27'), 3)
      t.equal(await b.countRequest('twelvedata', '2026-11-28'), 1, 'a new day starts at 1')
      t.equal(await b.countRequest('binance', '2026-11-27'), 1, 'each provider its own count')
    })

    t.test('charts: an identical chart makes 0 provider calls, an overlap fetches only the missing part, the open bar refreshes after its window', async (t) => {
      const clock = { now: NOW }
      const fake = await startFakeProviders(() => clock.now)
      t.teardown(fake.close)
      const market = marketData(t, store(t)(), fake, clock)
      const first = await chart(market, 'BINANCE:BTCUSDT', '1h', '5D')
      t.equal(first.closes.length, WARMUP_BARS + 4 * 24 + 16, 'warm-up hours, Nov 23–26 whole, Nov 27 00:00–15:00')
      const before = fake.calls.length
      const again = await chart(market, 'BINANCE:BTCUSDT', '1h', '5D')
      t.equal(fake.calls.length, before, 'second identical chart: 0 provider calls')
      t.same(again.fetches, [])
      t.same(again.closes, first.closes)

      await chart(market, 'BINANCE:BTCUSDT', '1h', { from: '2026-11-01', to: '2026-11-10' })
      const mark = fake.calls.length
      const overlap = await chart(market, 'BINANCE:BTCUSDT', '1h', { from: '2026-11-05', to: '2026-11-15' })
      const added = fake.calls.slice(mark)
      t.equal(added.length, 1, 'one request')
      t.equal(Number(added[0].query.get('startTime')), Date.UTC(2026, 10, 11), 'starting where the first range ended')
      t.equal(Number(added[0].query.get('endTime')), Date.UTC(2026, 10, 16) - 1, 'ending with the asked range')
      t.equal(overlap.closes.length, WARMUP_BARS + 11 * 24, 'warm-up hours and Nov 5–15 drawn from cached and new bars')

      // The open bar is fresh for 5 minutes on hourly data (openBarFreshMs); closed bars are never fetched again.
      clock.now += 4 * MINUTE
      const fresh = fake.calls.length
      await chart(market, 'BINANCE:BTCUSDT', '1h', '5D')
      t.equal(fake.calls.length, fresh, '4 minutes later: still fresh')
      clock.now += 6 * MINUTE
      const later = fake.calls.length
      await chart(market, 'BINANCE:BTCUSDT', '1h', '5D')
      t.same(fake.calls.slice(later).map((c) => Number(c.query.get('startTime'))), [Date.UTC(2026, 10, 27, 15)], '10 minutes after the fetch: only the open bar again')
    })

    t.test('a second instance on the same store charts the first one\'s range with 0 provider calls', async (t) => {
      const clock = { now: NOW }
      const fake = await startFakeProviders(() => clock.now)
      t.teardown(fake.close)
      const open = store(t)
      const first = await chart(marketData(t, open(), fake, clock), 'BINANCE:ETHUSDT', '1h', '5D')
      t.ok(fake.calls.length >= 1)
      const calls = fake.calls.length
      const second = await chart(marketData(t, open(), fake, clock), 'BINANCE:ETHUSDT', '1h', '5D')
      t.equal(fake.calls.length, calls, '0 provider calls')
      t.same(second.closes, first.closes)
    })

    t.test('Twelve Data daily quota: the request past the limit is refused unsent, naming the limit and the reset; the next UTC day starts over', async (t) => {
      const clock = { now: Date.UTC(2026, 10, 27, 23, 50) }
      const fake = await startFakeProviders(() => clock.now)
      t.teardown(fake.close)
      const open = store(t)
      // Two instances, each with its own connector, counting in one store.
      const [a, b] = [open(), open()].map((counter) => createTwelveDataProvider({
        baseUrl: fake.url, apiKey: TWELVEDATA_KEY, requestsPerMinute: 1000, timeoutMs: 5000, maxRetryWaitMs: 5000, log: silentLogger, now: () => clock.now, daily: { limit: 3, counter }
      }))
      const fetch = async (provider: typeof a): Promise<unknown> => await provider.fetchBars({ ticker: 'NASDAQ:AAPL', interval: '1D', from: Date.UTC(2026, 10, 16), to: Date.UTC(2026, 10, 21), signal: new AbortController().signal })
      await fetch(a)
      await fetch(b)
      await fetch(a)
      t.equal(fake.callsTo('/time_series').length, 3)
      await t.rejects(fetch(b), {
        name: 'ProviderError',
        kind: 'rate-limited',
        retryAfterMs: 10 * MINUTE,
        message: 'Twelve Data daily request limit reached: 3 requests per UTC day (TWELVEDATA_DAILY_LIMIT) are spent; it resets at 2026-11-28T00:00:00.000Z (in 10 min)'
      })
      t.equal(fake.callsTo('/time_series').length, 3, 'refused before the call')

      // Through the market-data layer: a tool error saying which provider and when to retry.
      const market = createMarketData({ catalog: createMarketCatalog({ log: silentLogger }), providers: [a], cache: open(), now: () => clock.now, log: silentLogger })
      const error = await market.loadSeries('NYSE:IBM', '1D', { range: '1M', width: 800, signal: new AbortController().signal, onFetch: () => {} }).catch((e: unknown) => e)
      t.ok(isChartError(error) && error.code === 'RATE_LIMITED', 'RATE_LIMITED')
      t.match(error, { retryAfterSeconds: 600, message: /^No data for NYSE:IBM 1D: Twelve Data daily request limit reached: 3 requests per UTC day .* resets at 2026-11-28T00:00:00\.000Z/ })
      t.equal(fake.callsTo('/time_series').length, 3)

      clock.now = Date.UTC(2026, 10, 28, 0, 1)
      await fetch(b)
      t.equal(fake.callsTo('/time_series').length, 4, 'a new UTC day: requests go out again')
    })
  })
}

t.test('Redis layout: every key expires (refreshed on write) and a key keeps at most its cap of bars', async (t) => {
  const prefix = 'bounds:market:'
  const cache = handle(t, openRedisBarCache({ url: redis.url, log: silentLogger, prefix, maxBarsPerKey: 5 }))
  const client = new Redis(redis.url)
  t.teardown(() => { client.disconnect() })
  const bars = Array.from({ length: 8 }, (_, i) => bar((90 + i) * HOUR, i))
  await cache.store(key, bars, { start: 90 * HOUR, end: 98 * HOUR }, 99 * HOUR)
  await cache.countRequest('twelvedata', '2026-11-27')
  const keys = (await client.keys(`${prefix}*`)).sort()
  t.same(keys, [`${prefix}bars:binance:1h:BTCUSDT`, `${prefix}coverage:binance:1h:BTCUSDT`, `${prefix}requests:twelvedata:2026-11-27`, `${prefix}tickers:binance`])
  for (const k of keys) {
    const ttl = await client.pttl(k)
    const bound = k.includes(':requests:') ? REQUEST_COUNT_TTL_MS : KEY_TTL_MS
    t.ok(ttl > bound - HOUR && ttl <= bound, `${k} expires (${ttl} ms)`)
  }
  t.same((await cache.bars(key, 0, 200 * HOUR)).map((b) => b.close), [3, 4, 5, 6, 7], 'the newest 5 bars kept')
  t.same(await cache.missing(key, 90 * HOUR, 98 * HOUR, 99 * HOUR), [{ start: 90 * HOUR, end: 93 * HOUR }], 'the dropped bars\' range is missing again')

  await client.pexpire(`${prefix}bars:binance:1h:BTCUSDT`, 1000)
  await cache.store(key, [bar(98 * HOUR, 8)], { start: 98 * HOUR, end: 99 * HOUR }, 99 * HOUR + MINUTE)
  t.ok(await client.pttl(`${prefix}bars:binance:1h:BTCUSDT`) > KEY_TTL_MS - HOUR, 'a write refreshes the TTL')
})

t.test('Redis: unreadable entries are skipped, never guessed at; an unreachable Redis fails with where and why', async (t) => {
  const prefix = 'garbage:market:'
  const cache = handle(t, openRedisBarCache({ url: redis.url, log: silentLogger, prefix }))
  const client = new Redis(redis.url)
  t.teardown(() => { client.disconnect() })
  await cache.store(key, [bar(90 * HOUR, 5)], { start: 90 * HOUR, end: 91 * HOUR }, 95 * HOUR)
  await client.zadd(`${prefix}bars:binance:1h:BTCUSDT`, 90 * HOUR + 1, 'not json')
  t.same((await cache.bars(key, 0, 100 * HOUR)).map((b) => b.close), [5], 'a member that is not a bar is left out')
  await client.set(`${prefix}coverage:binance:1h:BTCUSDT`, '{"ranges": "nonsense"}')
  t.same(await cache.missing(key, 90 * HOUR, 91 * HOUR, 95 * HOUR), [{ start: 90 * HOUR, end: 91 * HOUR }], 'an unreadable coverage record covers nothing')

  const nowhere = handle(t, openRedisBarCache({ url: `redis://127.0.0.1:${await freePort()}`, log: silentLogger }))
  await t.rejects(nowhere.bars(key, 0, HOUR), { message: /^The market-data cache in Redis at redis:\/\/127\.0\.0\.1:\d+\/? failed to read bars: / })
})
