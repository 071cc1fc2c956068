/**
 * What the keyless crypto exchange connectors (Binance, Coinbase) share: an HTTP client on the connector options
 * (3 attempts per request, the exchange's own rate), error answers read the same way (rate limit, unknown symbol,
 * refused), and symbol search over the exchange's symbol list, fetched once an hour. Each connector keeps what is
 * its own: ticker rules, bar paging and the formats of its answers (its REFERENCE.md).
 */
import type { ConnectorOptions } from './connector-options.js'
import { createProviderHttp, type ProviderFailure, type ProviderHttp } from './http.js'
import type { ProviderSymbol } from './types.js'

const SYMBOL_LIST_TTL_MS = 3_600_000

/** What an exchange's error body says, as `readError` returns it. */
export interface ExchangeError {
  /** The exchange's own words (`msg`, `message`); the HTTP status is named when it sent none. */
  detail?: string
  /** True when the answer means "no such symbol/product". */
  unknownSymbol: boolean
}

/** What sets one exchange apart from another inside the shared connector piece. */
export interface PublicExchangeSpec {
  /** Name for messages and logs ("Binance"). */
  name: string
  /** Exchange prefix of its catalog symbols (BINANCE), stripped from search text. */
  exchange: string
  /** What the exchange calls a tradable pair in messages: "symbol" (Binance), "product" (Coinbase). */
  symbolNoun: string
  /** Requests per window, below the exchange's documented public limit (REFERENCE.md). */
  rate: { limit: number, intervalMs: number }
  /** Reads the exchange's error body of a non-2xx answer. */
  readError: (status: number, body: unknown) => ExchangeError
  /** Fetches and parses the tradable symbols in one request; throws ProviderError on an unexpected format. */
  loadSymbols: (http: ProviderHttp, signal: AbortSignal) => Promise<ProviderSymbol[]>
  /** Search text in the catalog's spelling after the prefix is gone (Coinbase drops the dash of BTC-USD). */
  searchText?: (text: string) => string
}

/** The shared half of a public exchange connector: its HTTP client and its symbol search. */
export interface PublicExchange {
  http: ProviderHttp
  /** `MarketDataProvider.searchSymbols`: symbols or descriptions containing the text, case-insensitive. */
  searchSymbols: (query: string, limit: number, signal: AbortSignal) => Promise<ProviderSymbol[]>
}

export function createPublicExchange (options: ConnectorOptions, spec: PublicExchangeSpec): PublicExchange {
  const http = createProviderHttp({
    name: spec.name,
    baseUrl: options.baseUrl,
    rate: spec.rate,
    timeoutMs: options.timeoutMs,
    maxRetryWaitMs: options.maxRetryWaitMs,
    maxAttempts: 3,
    failure: (status, body) => exchangeFailure(spec, status, body),
    log: options.log
  })
  const symbolList = cachedLoader(SYMBOL_LIST_TTL_MS, options.now ?? Date.now, async (signal) => await spec.loadSymbols(http, signal))
  const prefix = `${spec.exchange}:`

  return {
    http,
    async searchSymbols (query, limit, signal) {
      const upper = query.trim().toUpperCase()
      const bare = upper.startsWith(prefix) ? upper.slice(prefix.length) : upper
      const text = spec.searchText?.(bare) ?? bare
      const all = await symbolList(signal)
      return all.filter((s) => s.symbol.includes(text) || s.description.toUpperCase().includes(text)).slice(0, limit)
    }
  }
}

/** 429 and 418 (Binance's IP ban) are rate limits, then the exchange's unknown-symbol answer, then any other 4xx. */
function exchangeFailure (spec: PublicExchangeSpec, status: number, body: unknown): ProviderFailure | undefined {
  if (status >= 200 && status < 300) return undefined
  const error = spec.readError(status, body)
  const detail = error.detail ?? `HTTP ${status}`
  if (status === 429 || status === 418) return { kind: 'rate-limited', message: `${spec.name} rate limit reached: ${detail}` }
  if (error.unknownSymbol) return { kind: 'unknown-symbol', message: `${spec.name} does not know this ${spec.symbolNoun}: ${detail}` }
  if (status >= 400 && status < 500) return { kind: 'rejected', message: `${spec.name} refused the request: ${detail}` }
  return undefined
}

/** A value fetched once and kept for `ttlMs` (a provider's product list); a failed load is not kept. */
function cachedLoader<T> (ttlMs: number, now: () => number, load: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  let cached: { at: number, value: T } | undefined
  return async (signal) => {
    if (cached !== undefined && now() - cached.at < ttlMs) return cached.value
    const value = await load(signal)
    cached = { at: now(), value }
    return value
  }
}
