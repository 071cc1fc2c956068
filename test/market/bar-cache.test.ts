import t from 'tap'
import { join } from 'node:path'
import { openBarCache, openBarFreshMs, subtractRanges, type BarCacheKey } from '../../src/market/bar-cache.js'

const HOUR = 3_600_000
const key: BarCacheKey = { provider: 'binance', ticker: 'BTCUSDT', interval: '1h' }
const bar = (time: number, close = 1): { time: number, open: number, high: number, low: number, close: number, volume: number } => ({ time, open: 1, high: 2, low: 0.5, close, volume: 3 })

t.test('subtractRanges: the gaps of [from, to) left by covered ranges', async (t) => {
  t.same(subtractRanges(0, 10, []), [{ start: 0, end: 10 }])
  t.same(subtractRanges(0, 10, [{ start: 2, end: 4 }, { start: 6, end: 12 }]), [{ start: 0, end: 2 }, { start: 4, end: 6 }])
  t.same(subtractRanges(0, 10, [{ start: -5, end: 20 }]), [])
})

t.test('freshness of the open bar: a twelfth of the interval, 5 s to 5 min', async (t) => {
  t.equal(openBarFreshMs('1m'), 5_000)
  t.equal(openBarFreshMs('15m'), 75_000)
  t.equal(openBarFreshMs('1h'), 300_000)
  t.equal(openBarFreshMs('1D'), 300_000)
})

t.test('closed bars are covered for good, the open bar only while fresh; data survives a reopen', async (t) => {
  const file = join(t.testdir(), 'cache.sqlite')
  const now = 100 * HOUR + 20 * 60_000
  let cache = openBarCache(file)
  cache.store(key, [bar(90 * HOUR), bar(100 * HOUR, 7)], { start: 90 * HOUR, end: now }, now)
  t.same(cache.missing(key, 90 * HOUR, now, now), [], 'everything fetched is fresh')
  t.same(cache.missing(key, 80 * HOUR, now + 60_000, now + 60_000), [{ start: 80 * HOUR, end: 90 * HOUR }], 'older hours are missing')
  t.same(cache.missing(key, 90 * HOUR, now + 6 * 60_000, now + 6 * 60_000), [{ start: 100 * HOUR, end: now + 6 * 60_000 }], 'after 5 minutes the open bar is fetched again')
  cache.close()

  cache = openBarCache(file)
  t.teardown(() => { cache.close() })
  t.same(cache.bars(key, 0, 200 * HOUR).map((b) => b.close), [1, 7])
  t.equal(cache.lastFetchedAt(key), now)
  cache.store(key, [bar(100 * HOUR, 8), bar(101 * HOUR, 9)], { start: 100 * HOUR, end: 101 * HOUR + 60_000 }, 101 * HOUR + 60_000)
  t.same(cache.bars(key, 0, 200 * HOUR).map((b) => b.close), [1, 8, 9], 'the open bar is replaced by its closed values')
  t.same(cache.missing(key, 90 * HOUR, 101 * HOUR + 2 * 60_000, 101 * HOUR + 2 * 60_000), [], 'contiguous coverage merged with the new open bar')
  t.same(cache.cachedSymbols('binance'), [{ ticker: 'BTCUSDT', interval: '1h', from: 90 * HOUR, to: 101 * HOUR }])
})
