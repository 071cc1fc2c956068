/**
 * Two app instances on one Redis (REDIS_URL), as behind the deployment's proxy, with the fake providers: the bars
 * one instance fetched serve the other's chart, and Twelve Data's daily request limit is one count for both.
 */
import t from 'tap'
import { callTool, startApp } from '../support/app.js'
import { startRedis } from '../support/redis-server.js'
import { startFakeProviders, TWELVEDATA_KEY } from './providers/fake-providers.js'

t.test('the second instance\'s chart of the same range makes 0 provider calls', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const fake = await startFakeProviders(() => Date.now())
  t.teardown(fake.close)
  const config = { REDIS_URL: redis.url, BINANCE_ENABLED: true, BINANCE_BASE_URL: fake.url }
  // Each instance has its own DATA_DIR: nothing but Redis is shared.
  // One t.testdir() call: each call empties the directory, which would delete the first instance's data.
  const dir = t.testdir()
  const a = await startApp(t, { ...config, DATA_DIR: `${dir}/a` })
  const b = await startApp(t, { ...config, DATA_DIR: `${dir}/b` })

  const first = await callTool(a.url, 'generate_chart', { symbol: 'BINANCE:BTCUSDT', interval: '4h', range: '1M' })
  t.match(first.body.result.content[0].text, /^Chart ready: BINANCE:BTCUSDT 4h candle/)
  t.ok(fake.callsTo('/api/v3/klines').length >= 1, 'the first instance fetched from the provider')
  const calls = fake.calls.length
  const second = await callTool(b.url, 'generate_chart', { symbol: 'BINANCE:BTCUSDT', interval: '4h', range: '1M' })
  t.match(second.body.result.content[0].text, /^Chart ready: BINANCE:BTCUSDT 4h candle/)
  t.equal(fake.calls.length, calls, 'the second instance: 0 provider calls')
  t.same(second.body.result.content[1].data, first.body.result.content[1].data, 'the same bars, the same image')
})

t.test('Twelve Data\'s daily limit is counted once for both instances and refused before the call', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const fake = await startFakeProviders(() => Date.now())
  t.teardown(fake.close)
  const config = { REDIS_URL: redis.url, TWELVEDATA_API_KEY: TWELVEDATA_KEY, TWELVEDATA_BASE_URL: fake.url, TWELVEDATA_DAILY_LIMIT: 1 }
  // One t.testdir() call: each call empties the directory, which would delete the first instance's data.
  const dir = t.testdir()
  const a = await startApp(t, { ...config, DATA_DIR: `${dir}/a` })
  const b = await startApp(t, { ...config, DATA_DIR: `${dir}/b` })

  const first = await callTool(a.url, 'generate_chart', { symbol: 'NASDAQ:AAPL', interval: '1D', range: '1M' })
  t.match(first.body.result.content[0].text, /^Chart ready: NASDAQ:AAPL 1D/)
  t.equal(fake.callsTo('/time_series').length, 1)
  const refused = await callTool(b.url, 'generate_chart', { symbol: 'NYSE:IBM', interval: '1D', range: '1M' })
  t.equal(refused.body.result.isError, true)
  t.match(refused.body.result.content[0].text, /Twelve Data daily request limit reached: 1 requests per UTC day \(TWELVEDATA_DAILY_LIMIT\) are spent; it resets at \d{4}-\d\d-\d\dT00:00:00\.000Z/)
  t.equal(fake.callsTo('/time_series').length, 1, 'no call past the limit')
})
