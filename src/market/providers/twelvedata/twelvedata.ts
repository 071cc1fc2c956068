/**
 * Twelve Data (keyed, free tier): US equities and indices as NASDAQ:<TICKER> / NYSE:<TICKER>, daily and intraday,
 * with symbol search. Its datetimes are exchange-local: daily bars are trading dates, intraday bars wall-clock
 * times in `meta.exchange_timezone`, converted here to UTC. Formats, limits and symbol rules: ./REFERENCE.md.
 */
import { TZDate } from '@date-fns/tz'
import { z } from 'zod'
import type { Interval } from '../../../chart/request.js'
import { isIntraday } from '../../intervals.js'
import type { Bar } from '../../types.js'
import type { ConnectorOptions } from '../connector-options.js'
import { createDailyQuota, type DailyRequestCounter } from '../daily-quota.js'
import { createProviderHttp, ProviderError, type ProviderFailure } from '../http.js'
import type { MarketDataProvider } from '../types.js'

/** At most 5000 data points per request (REFERENCE.md). */
export const TWELVEDATA_MAX_OUTPUT = 5000

const NATIVE: Partial<Record<Interval, string>> = {
  '1m': '1min', '5m': '5min', '15m': '15min', '30m': '30min', '45m': '45min', '1h': '1h', '2h': '2h', '4h': '4h', '1D': '1day'
}

/** Exchange prefixes served, with the zone their datetimes are in (checked against `meta.exchange_timezone`). */
const EXCHANGE_ZONES: Record<string, string> = { NASDAQ: 'America/New_York', NYSE: 'America/New_York' }

const valueSchema = z.object({
  datetime: z.string(), open: z.string(), high: z.string(), low: z.string(), close: z.string(), volume: z.string().optional()
}).loose()
const seriesSchema = z.object({
  meta: z.object({ exchange_timezone: z.string().optional() }).loose(),
  values: z.array(valueSchema),
  status: z.literal('ok')
}).loose()
const errorSchema = z.object({ code: z.number(), message: z.string(), status: z.literal('error') }).loose()
const searchSchema = z.object({
  data: z.array(z.object({ symbol: z.string(), instrument_name: z.string(), exchange: z.string(), instrument_type: z.string().optional() }).loose())
}).loose()

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/

export interface TwelveDataOptions extends ConnectorOptions {
  apiKey: string
  /** Requests per minute: the free plan's 8 API credits per minute (TWELVEDATA_REQUESTS_PER_MINUTE). */
  requestsPerMinute: number
  /**
   * Requests per UTC day (the free plan's 800 API credits per day, TWELVEDATA_DAILY_LIMIT), counted in the bar
   * cache's store so instances share the count. Without it no daily count is kept (fake-provider tests).
   */
  daily?: { limit: number, counter: DailyRequestCounter }
}

export function createTwelveDataProvider (options: TwelveDataOptions): MarketDataProvider {
  const http = createProviderHttp({
    name: 'Twelve Data',
    baseUrl: options.baseUrl,
    rate: { limit: options.requestsPerMinute, intervalMs: 60_000 },
    timeoutMs: options.timeoutMs,
    maxRetryWaitMs: options.maxRetryWaitMs,
    maxAttempts: 2,
    // The documented header form keeps the key out of URLs (and so out of any logged path).
    headers: { authorization: `apikey ${options.apiKey}` },
    failure: twelveDataFailure,
    quota: options.daily === undefined
      ? undefined
      : createDailyQuota({ provider: 'twelvedata', name: 'Twelve Data', limit: options.daily.limit, setting: 'TWELVEDATA_DAILY_LIMIT', counter: options.daily.counter, now: options.now }),
    log: options.log
  })

  return {
    id: 'twelvedata',
    name: 'Twelve Data',
    exchanges: Object.keys(EXCHANGE_ZONES),
    nativeIntervals: Object.keys(NATIVE) as Interval[],
    horizon: 'daily bars back to the listing; intraday depth depends on the Twelve Data plan',
    limits: '5000 bars per request; free plan 8 requests per minute and 800 per day',
    // Regular sessions: 6.5 of 24 hours on 5 of 7 days for intraday bars; trading days plus holidays for daily ones.
    calendarFactor: (interval) => (isIntraday(interval) ? (24 / 6.5) * (7 / 5) : interval === '1D' ? 1.5 : 1),

    toProviderTicker (exchange, ticker) {
      const upper = ticker.toUpperCase()
      return /^[A-Z0-9.]{1,12}$/.test(upper) ? { ticker: `${exchange.toUpperCase()}:${upper}` } : { error: `${ticker} is not a US ticker (letters, digits and dots, e.g. AAPL or BRK.B)` }
    },

    // Its tickers already are `EXCHANGE:TICKER`.
    toCatalogSymbol: (providerTicker) => providerTicker,

    async fetchBars ({ ticker, interval, from, to, signal }) {
      const code = NATIVE[interval]
      if (code === undefined) throw new ProviderError('rejected', `Twelve Data has no ${interval} bars`)
      const exchange = exchangeOf(ticker)
      let zone = EXCHANGE_ZONES[exchange.exchange]
      const byTime = new Map<number, Bar>()
      // With both dates set, the answer holds the latest `outputsize` points before end_date: page backwards.
      let end = to - 1
      for (;;) {
        const body = await http.getJson('/time_series', {
          symbol: exchange.ticker,
          exchange: exchange.exchange,
          interval: code,
          start_date: localText(from, zone, interval),
          end_date: localText(end, zone, interval),
          outputsize: String(TWELVEDATA_MAX_OUTPUT),
          order: 'asc'
        }, signal)
        const parsed = seriesSchema.safeParse(body)
        if (!parsed.success) throw new ProviderError('bad-response', 'Twelve Data sent a time series in an unexpected format')
        zone = parsed.data.meta.exchange_timezone ?? zone
        let oldest = Infinity
        for (const value of parsed.data.values) {
          const time = barTime(value.datetime, zone, interval)
          if (time === undefined) throw new ProviderError('bad-response', `Twelve Data sent an unreadable datetime: ${value.datetime}`)
          oldest = Math.min(oldest, time)
          if (time < from || time >= to) continue
          const volume = value.volume === undefined ? null : Number(value.volume)
          byTime.set(time, { time, open: Number(value.open), high: Number(value.high), low: Number(value.low), close: Number(value.close), volume })
        }
        if (parsed.data.values.length < TWELVEDATA_MAX_OUTPUT || oldest <= from) break
        end = oldest - 1
      }
      return [...byTime.values()].sort((a, b) => a.time - b.time)
    },

    async searchSymbols (query, limit, signal) {
      const text = query.trim().replace(/^[A-Za-z]+:/, '')
      if (text === '') return []
      const parsed = searchSchema.safeParse(await http.getJson('/symbol_search', { symbol: text, outputsize: String(Math.min(120, Math.max(limit, 1) * 4)) }, signal))
      if (!parsed.success) throw new ProviderError('bad-response', 'Twelve Data sent a symbol search answer in an unexpected format')
      return parsed.data.data
        .filter((s) => EXCHANGE_ZONES[s.exchange] !== undefined)
        .map((s) => ({ symbol: `${s.exchange}:${s.symbol}`, description: `${s.instrument_name}${s.instrument_type === undefined ? '' : ` (${s.instrument_type})`}, via Twelve Data` }))
        .slice(0, limit)
    },

    close: http.close
  }
}

/** Twelve Data needs the exchange beside the symbol (AAPL trades on several), so its tickers are `EXCHANGE:TICKER`. */
function exchangeOf (ticker: string): { exchange: string, ticker: string } {
  const [exchange, symbol] = ticker.split(':')
  return { exchange, ticker: symbol }
}

/** A UTC instant as the exchange-local text Twelve Data reads start_date/end_date in. */
function localText (time: number, zone: string, interval: Interval): string {
  const local = new TZDate(time, zone)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const date = `${local.getFullYear()}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`
  return isIntraday(interval) ? `${date} ${pad(local.getHours())}:${pad(local.getMinutes())}:${pad(local.getSeconds())}` : date
}

/**
 * A Twelve Data datetime as a bar time: a daily bar's trading date becomes 00:00 UTC of that date (the catalog's
 * convention, src/market/types.ts); an intraday wall-clock time in the exchange's zone becomes its UTC instant.
 */
export function barTime (text: string, zone: string, interval: Interval): number | undefined {
  const m = DATE_TIME.exec(text)
  if (m === null) return undefined
  const [year, month, day] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])]
  if (!isIntraday(interval) || m[4] === undefined) return Date.UTC(year, month, day)
  const time = new TZDate(year, month, day, Number(m[4]), Number(m[5]), Number(m[6]), zone).getTime()
  return Number.isNaN(time) ? undefined : time
}

/** Errors come as `{code, message, status: "error"}`, often inside an HTTP 200: 429 credits, 401 key, 400/404 symbol. */
function twelveDataFailure (status: number, body: unknown): ProviderFailure | undefined {
  const error = errorSchema.safeParse(body)
  if (!error.success) return status >= 200 && status < 300 ? undefined : { kind: status === 429 ? 'rate-limited' : 'rejected', message: `Twelve Data answered HTTP ${status}` }
  const { code, message } = error.data
  if (code === 429 || status === 429) return { kind: 'rate-limited', message: `Twelve Data rate limit reached: ${message}` }
  if (code === 401 || code === 403) return { kind: 'rejected', message: `Twelve Data refused the API key (TWELVEDATA_API_KEY): ${message}` }
  if (code === 400 || code === 404) return { kind: /symbol|not found/i.test(message) ? 'unknown-symbol' : 'rejected', message: `Twelve Data: ${message}` }
  return { kind: code >= 500 ? 'bad-response' : 'rejected', message: `Twelve Data error ${code}: ${message}` }
}
