/**
 * Binance spot public market data (no key): klines for BINANCE:<SYMBOL>, symbol search over exchangeInfo.
 * Formats, limits and symbol rules: ./REFERENCE.md.
 */
import { z } from 'zod'
import type { Interval } from '../../../chart/request.js'
import type { Bar } from '../../types.js'
import type { ConnectorOptions } from '../connector-options.js'
import { ProviderError } from '../http.js'
import { createPublicExchange, type ExchangeError } from '../public-exchange.js'
import type { MarketDataProvider } from '../types.js'

/** GET /api/v3/klines returns at most 1000 klines per request. */
export const BINANCE_MAX_KLINES = 1000

// Binance spells days, weeks and months in lower/upper case of its own: 1d, 1w, 1M.
const NATIVE: Partial<Record<Interval, string>> = {
  '1m': '1m', '3m': '3m', '5m': '5m', '15m': '15m', '30m': '30m', '1h': '1h', '2h': '2h', '4h': '4h', '6h': '6h', '12h': '12h', '1D': '1d', '1W': '1w', '1M': '1M'
}

// [openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote, ignore]
const klinesSchema = z.array(z.tuple([z.number(), z.string(), z.string(), z.string(), z.string(), z.string()]).rest(z.unknown()))
const errorSchema = z.object({ code: z.number(), msg: z.string() })
const exchangeInfoSchema = z.object({
  symbols: z.array(z.object({ symbol: z.string(), status: z.string(), baseAsset: z.string(), quoteAsset: z.string() }).loose())
}).loose()

/** Binance symbols: upper-case letters, digits and -_. up to 20 characters (REFERENCE.md). */
const TICKER = /^[A-Z0-9\-_.]{1,20}$/

export function createBinanceProvider (options: ConnectorOptions): MarketDataProvider {
  const { http, searchSymbols } = createPublicExchange(options, {
    name: 'Binance',
    exchange: 'BINANCE',
    symbolNoun: 'symbol',
    // The IP limit is 6000 request weight per minute and klines weigh 2: 10 requests per second stays far below.
    rate: { limit: 10, intervalMs: 1000 },
    readError,
    async loadSymbols (http, signal) {
      const parsed = exchangeInfoSchema.safeParse(await http.getJson('/api/v3/exchangeInfo', {}, signal))
      if (!parsed.success) throw new ProviderError('bad-response', 'Binance sent an exchangeInfo answer in an unexpected format')
      return parsed.data.symbols
        .filter((s) => s.status === 'TRADING')
        .map((s) => ({ symbol: `BINANCE:${s.symbol}`, description: `${s.baseAsset}/${s.quoteAsset} (Binance spot)` }))
    }
  })

  return {
    id: 'binance',
    name: 'Binance',
    exchanges: ['BINANCE'],
    nativeIntervals: Object.keys(NATIVE) as Interval[],
    horizon: 'from each pair\'s listing on Binance (BTCUSDT since 2017-08-17)',
    limits: '1000 klines per request (weight 2); 6000 request weight per minute per IP',
    calendarFactor: () => 1,

    toProviderTicker (_exchange, ticker) {
      const upper = ticker.toUpperCase()
      return TICKER.test(upper) ? { ticker: upper } : { error: `${ticker} is not a Binance symbol (letters and digits, e.g. BTCUSDT)` }
    },

    toCatalogSymbol: (providerTicker) => `BINANCE:${providerTicker}`,

    async fetchBars ({ ticker, interval, from, to, signal }) {
      const code = NATIVE[interval]
      if (code === undefined) throw new ProviderError('rejected', `Binance has no ${interval} klines`)
      const bars: Bar[] = []
      let cursor = from
      // Pages forward: each page starts after the last kline of the previous one.
      while (cursor < to) {
        const body = await http.getJson('/api/v3/klines', {
          symbol: ticker, interval: code, startTime: String(cursor), endTime: String(to - 1), limit: String(BINANCE_MAX_KLINES)
        }, signal)
        const parsed = klinesSchema.safeParse(body)
        if (!parsed.success) throw new ProviderError('bad-response', 'Binance sent klines in an unexpected format')
        for (const k of parsed.data) {
          if (k[0] < cursor || k[0] >= to) continue
          bars.push({ time: k[0], open: Number(k[1]), high: Number(k[2]), low: Number(k[3]), close: Number(k[4]), volume: Number(k[5]) })
        }
        if (parsed.data.length < BINANCE_MAX_KLINES) break
        cursor = parsed.data[parsed.data.length - 1][0] + 1
      }
      return bars
    },

    searchSymbols,
    close: http.close
  }
}

/** Binance errors are `{code, msg}`; -1121 is "Invalid symbol.", 429/418 carry Retry-After (REFERENCE.md). */
function readError (_status: number, body: unknown): ExchangeError {
  const error = errorSchema.safeParse(body)
  if (!error.success) return { unknownSymbol: false }
  return { detail: `${error.data.msg} (code ${error.data.code})`, unknownSymbol: error.data.code === -1121 }
}
