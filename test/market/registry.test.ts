import t from 'tap'
import { loadConfig, testConfig } from '../../src/config.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { createMarketData } from '../../src/market/market-data.js'
import type { DailyRequestCounter } from '../../src/market/providers/daily-quota.js'
import { providersFromConfig } from '../../src/market/providers/registry.js'
import { silentLogger } from '../support/logger.js'

/** A request counter that records whether a provider asked for it (only one with a daily quota does). */
function counterProbe (): { opened: number, open: () => DailyRequestCounter } {
  const probe = { opened: 0, open: () => { probe.opened++; return { countRequest: async () => 1 } } }
  return probe
}

t.test('defaults: the two keyless providers on, Twelve Data only with a key; tests run with all of them off', async (t) => {
  const keyless = counterProbe()
  t.same(providersFromConfig(loadConfig({}), silentLogger, keyless.open).providers.map((p) => p.id), ['binance', 'coinbase'])
  t.equal(keyless.opened, 0, 'no daily count without Twelve Data')
  const keyed = counterProbe()
  t.same(providersFromConfig(loadConfig({ BINANCE_ENABLED: '0', TWELVEDATA_API_KEY: 'k' }), silentLogger, keyed.open).providers.map((p) => p.id), ['coinbase', 'twelvedata'])
  t.equal(keyed.opened, 1, 'Twelve Data counts its requests per day')
  t.equal(loadConfig({}).TWELVEDATA_DAILY_LIMIT, 800, 'the free plan\'s daily limit by default')
  t.same(providersFromConfig(loadConfig({ TWELVEDATA_API_KEY: 'k', TWELVEDATA_ENABLED: 'no' }), silentLogger, counterProbe().open).providers.map((p) => p.id), ['binance', 'coinbase'])
  const offline = providersFromConfig(testConfig(), silentLogger, counterProbe().open)
  t.same(offline.providers, [], 'testConfig never reaches the internet')
  t.same(offline.disabled.map((d) => d.name), ['Binance', 'Coinbase', 'Twelve Data'])
  t.throws(() => loadConfig({ BINANCE_BASE_URL: 'not a url' }), { message: /BINANCE_BASE_URL/ })
})

t.test('a symbol of a switched-off provider says how to switch it on; bundled symbols still draw', async (t) => {
  const { providers, disabled } = providersFromConfig(testConfig(), silentLogger, counterProbe().open)
  const market = createMarketData({ catalog: createMarketCatalog({ log: silentLogger }), providers, disabled, log: silentLogger })
  t.teardown(async () => { await market.close() })
  const load = { range: undefined, width: 800, signal: new AbortController().signal, onFetch: () => {} }
  await t.rejects(market.loadSeries('BINANCE:BTCUSDT', '1h', load), { code: 'UNKNOWN_SYMBOL', message: /^BINANCE:BTCUSDT: BINANCE symbols come from Binance, which is switched off \(set BINANCE_ENABLED=1\)\./ })
  await t.rejects(market.loadSeries('NASDAQ:TSLA', '1D', load), { message: /Twelve Data, which is switched off \(set TWELVEDATA_API_KEY\)/ })
  t.equal((await market.loadSeries('NASDAQ:AAPL', '1M', load)).series.source, 'stocks.csv')
})
