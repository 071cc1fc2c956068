/**
 * The contract between the market-data layer (src/market/market-data.ts) and each online provider connector.
 * A connector maps `EXCHANGE:TICKER` symbols to its own, fetches native bars for a time range (paging itself),
 * and says what it can serve; caching, rate limiting and offline fallback live outside it.
 */
import type { Interval } from '../../chart/request.js'
import type { Bar } from '../types.js'

/** A symbol a provider can serve, as found by its symbol search or product list. */
export interface ProviderSymbol {
  /** `EXCHANGE:TICKER` as the catalog spells it, e.g. BINANCE:BTCUSDT. */
  symbol: string
  description: string
}

export interface FetchBarsOptions {
  /** The provider's own ticker (after `toProviderTicker`), e.g. BTC-USD for COINBASE:BTCUSD. */
  ticker: string
  /** One of the provider's native intervals. */
  interval: Interval
  /** Inclusive start (ms, UTC): the first bar opening at or after it is returned. */
  from: number
  /** Exclusive end (ms, UTC): bars opening at or after it are not returned. */
  to: number
  signal: AbortSignal
}

export interface MarketDataProvider {
  /** Stable id used in cache keys and config: binance, coinbase, twelvedata. */
  readonly id: string
  /** Name for people: "Binance", "Coinbase Exchange", "Twelve Data". */
  readonly name: string
  /** Exchange prefixes this provider owns, upper case (BINANCE; NASDAQ, NYSE). */
  readonly exchanges: readonly string[]
  /** Intervals the provider serves natively; coarser Chart-IMG intervals are resampled from them. */
  readonly nativeIntervals: readonly Interval[]
  /** How far back the provider's data goes, in words, for get_available_symbols. */
  readonly horizon: string
  /** Request limits, in words, for get_available_symbols and errors. */
  readonly limits: string
  /**
   * Calendar time per bar relative to the interval: 1 for markets that trade around the clock (crypto), more for
   * exchanges with sessions (an equity's hourly bars cover about 6.5 of 24 hours on 5 of 7 days). Used to size
   * the time range that holds a wanted number of bars.
   */
  calendarFactor: (interval: Interval) => number
  /** The provider's ticker for a catalog ticker, or an error message when it cannot be one. */
  toProviderTicker: (exchange: string, ticker: string) => { ticker: string } | { error: string }
  /** The catalog's `EXCHANGE:TICKER` for one of the provider's tickers (the inverse of `toProviderTicker`). */
  toCatalogSymbol: (providerTicker: string) => string
  /** Bars (oldest first, unique times) opening in [from, to); pages through long ranges itself. */
  fetchBars: (options: FetchBarsOptions) => Promise<Bar[]>
  /** Symbols matching a text (case-insensitive), at most `limit`; absent when the provider has no search. */
  searchSymbols?: (query: string, limit: number, signal: AbortSignal) => Promise<ProviderSymbol[]>
  /** Stops the request limiter: requests still waiting for their turn fail as cancelled (at server close). */
  close: () => void
}
