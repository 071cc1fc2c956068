/** The providers a configuration switches on, and the ones it leaves off (named in errors for their exchanges). */
import type { Logger } from 'pino'
import type { Config } from '../../config.js'
import type { DisabledProvider } from '../market-data.js'
import { createBinanceProvider } from './binance/binance.js'
import { createCoinbaseProvider } from './coinbase/coinbase.js'
import { createTwelveDataProvider } from './twelvedata/twelvedata.js'
import type { DailyRequestCounter } from './daily-quota.js'
import type { MarketDataProvider } from './types.js'

export type MarketProviderConfig = Pick<Config,
  'BINANCE_ENABLED' | 'BINANCE_BASE_URL' | 'COINBASE_ENABLED' | 'COINBASE_BASE_URL' | 'TWELVEDATA_API_KEY' | 'TWELVEDATA_ENABLED' |
  'TWELVEDATA_BASE_URL' | 'TWELVEDATA_REQUESTS_PER_MINUTE' | 'TWELVEDATA_DAILY_LIMIT' | 'MARKET_FETCH_TIMEOUT_MS' | 'MARKET_MAX_RETRY_WAIT_MS'>

export interface ConfiguredProviders {
  providers: MarketDataProvider[]
  disabled: DisabledProvider[]
}

/**
 * `requestCounter` gives the store that counts requests per day (the bar cache, src/market/open-bar-cache.ts); it is
 * called only when a provider with a daily quota is switched on, so a server without one opens no cache for it.
 */
export function providersFromConfig (config: MarketProviderConfig, log: Logger, requestCounter: () => DailyRequestCounter): ConfiguredProviders {
  const common = { timeoutMs: config.MARKET_FETCH_TIMEOUT_MS, maxRetryWaitMs: config.MARKET_MAX_RETRY_WAIT_MS }
  const providers: MarketDataProvider[] = []
  const disabled: DisabledProvider[] = []
  if (config.BINANCE_ENABLED) providers.push(createBinanceProvider({ ...common, baseUrl: config.BINANCE_BASE_URL, log: log.child({ provider: 'binance' }) }))
  else disabled.push({ name: 'Binance', exchanges: ['BINANCE'], enable: 'set BINANCE_ENABLED=1' })
  if (config.COINBASE_ENABLED) providers.push(createCoinbaseProvider({ ...common, baseUrl: config.COINBASE_BASE_URL, log: log.child({ provider: 'coinbase' }) }))
  else disabled.push({ name: 'Coinbase', exchanges: ['COINBASE'], enable: 'set COINBASE_ENABLED=1' })
  if (config.TWELVEDATA_ENABLED && config.TWELVEDATA_API_KEY !== undefined) {
    providers.push(createTwelveDataProvider({
      ...common,
      baseUrl: config.TWELVEDATA_BASE_URL,
      apiKey: config.TWELVEDATA_API_KEY,
      requestsPerMinute: config.TWELVEDATA_REQUESTS_PER_MINUTE,
      daily: { limit: config.TWELVEDATA_DAILY_LIMIT, counter: requestCounter() },
      log: log.child({ provider: 'twelvedata' })
    }))
  } else {
    disabled.push({ name: 'Twelve Data', exchanges: ['NASDAQ', 'NYSE'], enable: config.TWELVEDATA_ENABLED ? 'set TWELVEDATA_API_KEY' : 'set TWELVEDATA_ENABLED=1 and TWELVEDATA_API_KEY' })
  }
  return { providers, disabled }
}
