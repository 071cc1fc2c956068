/**
 * Coinbase Exchange public market data (no key): candles for COINBASE:<BASE><QUOTE> (product BASE-QUOTE), symbol
 * search over the product list. Formats, limits and symbol rules: ./REFERENCE.md.
 */
import { z } from 'zod'
import { INTERVAL_MS, type Interval } from '../../../chart/request.js'
import type { Bar } from '../../types.js'
import type { ConnectorOptions } from '../connector-options.js'
import { ProviderError } from '../http.js'
import { createPublicExchange, type ExchangeError } from '../public-exchange.js'
import type { MarketDataProvider } from '../types.js'

/** More than 300 candles in one request's range is rejected (REFERENCE.md). */
export const COINBASE_MAX_CANDLES = 300

/** Granularity in seconds per native interval: the only values the endpoint accepts. */
const GRANULARITY: Partial<Record<Interval, number>> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '1D': 86_400 }

/** Quote currencies, longest first, to split TradingView-style tickers (BTCUSDC → BTC-USDC, ETHUSD → ETH-USD). */
const QUOTES = ['USDC', 'USDT', 'USD', 'EUR', 'GBP', 'DAI', 'BTC', 'ETH', 'SOL']

// [time (s), low, high, open, close, volume], newest first.
const candlesSchema = z.array(z.tuple([z.number(), z.number(), z.number(), z.number(), z.number(), z.number()]).rest(z.unknown()))
const messageSchema = z.object({ message: z.string() }).loose()
const productsSchema = z.array(z.object({ id: z.string(), base_currency: z.string(), quote_currency: z.string(), status: z.string().optional(), display_name: z.string().optional() }).loose())

export function createCoinbaseProvider (options: ConnectorOptions): MarketDataProvider {
  const { http, searchSymbols } = createPublicExchange(options, {
    name: 'Coinbase',
    exchange: 'COINBASE',
    symbolNoun: 'product',
    // Public endpoints allow 10 requests per second per IP (bursts of 15); stay below it.
    rate: { limit: 8, intervalMs: 1000 },
    readError,
    async loadSymbols (http, signal) {
      const parsed = productsSchema.safeParse(await http.getJson('/products', {}, signal))
      if (!parsed.success) throw new ProviderError('bad-response', 'Coinbase sent a product list in an unexpected format')
      return parsed.data
        .filter((p) => p.status === undefined || p.status === 'online')
        .map((p) => ({ symbol: `COINBASE:${p.base_currency}${p.quote_currency}`, description: `${p.display_name ?? p.id} (Coinbase Exchange)` }))
    },
    // Catalog symbols join base and quote (COINBASE:BTCUSD), so BTC-USD is searched as BTCUSD.
    searchText: (text) => text.replace('-', '')
  })

  return {
    id: 'coinbase',
    name: 'Coinbase',
    exchanges: ['COINBASE'],
    nativeIntervals: Object.keys(GRANULARITY) as Interval[],
    horizon: 'from each product\'s listing on Coinbase (BTC-USD since 2015-07-20); intervals without trades have no candle',
    limits: '300 candles per request; 10 public requests per second per IP',
    calendarFactor: () => 1,

    toProviderTicker (_exchange, ticker) {
      const upper = ticker.toUpperCase()
      if (/^[A-Z0-9]{1,12}-[A-Z0-9]{2,6}$/.test(upper)) return { ticker: upper }
      const quote = QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length)
      if (quote === undefined || !/^[A-Z0-9]+$/.test(upper)) {
        return { error: `${ticker} is not a Coinbase product: use BASE and QUOTE currencies, e.g. BTCUSD or BTC-USD` }
      }
      return { ticker: `${upper.slice(0, -quote.length)}-${quote}` }
    },

    toCatalogSymbol: (providerTicker) => `COINBASE:${providerTicker.replace('-', '')}`,

    async fetchBars ({ ticker, interval, from, to, signal }) {
      const seconds = GRANULARITY[interval]
      if (seconds === undefined) throw new ProviderError('rejected', `Coinbase has no ${interval} candles`)
      const step = INTERVAL_MS[interval]
      const byTime = new Map<number, Bar>()
      // Pages of at most 300 buckets: start and end are both bucket starts, so a page holds 300 candles at most.
      for (let start = Math.ceil(from / step) * step; start < to; start += COINBASE_MAX_CANDLES * step) {
        const last = Math.min(start + (COINBASE_MAX_CANDLES - 1) * step, Math.ceil(to / step) * step - step)
        const body = await http.getJson(`/products/${encodeURIComponent(ticker)}/candles`, {
          granularity: String(seconds), start: new Date(start).toISOString(), end: new Date(last).toISOString()
        }, signal)
        const parsed = candlesSchema.safeParse(body)
        if (!parsed.success) throw new ProviderError('bad-response', 'Coinbase sent candles in an unexpected format')
        for (const [time, low, high, open, close, volume] of parsed.data) {
          const ms = time * 1000
          // "some of those candles may precede your declared start value": keep only the asked range.
          if (ms >= from && ms < to) byTime.set(ms, { time: ms, open, high, low, close, volume })
        }
      }
      return [...byTime.values()].sort((a, b) => a.time - b.time)
    },

    searchSymbols,
    close: http.close
  }
}

/** Coinbase errors are `{message}`; 404 NotFound is an unknown product, 429 the public rate limit (REFERENCE.md). */
function readError (status: number, body: unknown): ExchangeError {
  const parsed = messageSchema.safeParse(body)
  return { detail: parsed.success ? parsed.data.message : undefined, unknownSymbol: status === 404 }
}
