import t from 'tap'
import { loadConfig, testConfig } from '../../src/config.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { createMarketData } from '../../src/market/market-data.js'
import { providersFromConfig } from '../../src/market/providers/registry.js'
import { silentLogger } from '../support/logger.js'

t.test('defaults: the two keyless providers on, Twelve Data only with a key; tests run with all of them off', async (t) => {
  t.same(providersFromConfig(loadConfig({}), silentLogger).providers.map((p) => p.id), ['binance', 'coinbase'])
  t.same(providersFromConfig(loadConfig({ BINANCE_ENABLED: '0', TWELVEDATA_API_KEY: 'k' }), silentLogger).providers.map((p) => p.id), ['coinbase', 'twelvedata'])
  t.same(providersFromConfig(loadConfig({ TWELVEDATA_API_KEY: 'k', TWELVEDATA_ENABLED: 'no' }), silentLogger).providers.map((p) => p.id), ['binance', 'coinbase'])
  const offline = providersFromConfig(testConfig(), silentLogger)
  t.same(offline.providers, [], 'testConfig never reaches the internet')
  t.same(offline.disabled.map((d) => d.name), ['Binance', 'Coinbase', 'Twelve Data'])
  t.throws(() => loadConfig({ BINANCE_BASE_URL: 'not a url' }), { message: /BINANCE_BASE_URL/ })
})

t.test('a symbol of a switched-off provider says how to switch it on; bundled symbols still draw', async (t) => {
  const { providers, disabled } = providersFromConfig(testConfig(), silentLogger)
  const market = createMarketData({ catalog: createMarketCatalog({ log: silentLogger }), providers, disabled, log: silentLogger })
  t.teardown(() => { market.close() })
  const load = { range: undefined, width: 800, signal: new AbortController().signal, onFetch: () => {} }
  await t.rejects(market.loadSeries('BINANCE:BTCUSDT', '1h', load), { code: 'UNKNOWN_SYMBOL', message: /^BINANCE:BTCUSDT: BINANCE symbols come from Binance, which is switched off \(set BINANCE_ENABLED=1\)\./ })
  await t.rejects(market.loadSeries('NASDAQ:TSLA', '1D', load), { message: /Twelve Data, which is switched off \(set TWELVEDATA_API_KEY\)/ })
  t.equal((await market.loadSeries('NASDAQ:AAPL', '1M', load)).series.source, 'stocks.csv')
})
