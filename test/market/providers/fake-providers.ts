/**
 * Test helper: one HTTP server on 127.0.0.1:0 that answers as Binance spot (/api/v3/*), Coinbase Exchange
 * (/products/*) and Twelve Data (/time_series, /symbol_search) do, per each connector's REFERENCE.md: the same
 * JSON shapes, page limits, error bodies and rate-limit answers. Bars are a deterministic function of symbol and
 * time (`fakeBar`), generated up to the server's clock, so a test knows every expected value. Twelve Data's bars
 * follow the NYSE/Nasdaq regular session in New York time, with 2026-11-26 (Thanksgiving) closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { TZDate } from '@date-fns/tz'
import type { Test } from 'tap'
import { createBinanceProvider } from '../../../src/market/providers/binance/binance.js'
import { createCoinbaseProvider } from '../../../src/market/providers/coinbase/coinbase.js'
import type { ConnectorOptions } from '../../../src/market/providers/connector-options.js'
import { createTwelveDataProvider } from '../../../src/market/providers/twelvedata/twelvedata.js'
import type { MarketDataProvider } from '../../../src/market/providers/types.js'
import { silentLogger } from '../../support/logger.js'

export interface FakeCall {
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
}

export interface ScriptedAnswer {
  status: number
  body: unknown
  headers?: Record<string, string>
}

export interface FakeProviders {
  url: string
  calls: FakeCall[]
  /** Calls whose path starts with a prefix. */
  callsTo: (prefix: string) => FakeCall[]
  /** The next answers to requests whose path starts with `prefix`, before normal service resumes. */
  script: (prefix: string, ...answers: ScriptedAnswer[]) => void
  /** Milliseconds every answer waits (the benchmark's network latency). */
  delayMs: number
  close: () => Promise<void>
}

export const TWELVEDATA_KEY = 'test-twelvedata-key'
const NEW_YORK = 'America/New_York'
const HOLIDAYS = new Set(['2026-11-26'])
const BINANCE_SYMBOLS = { BTCUSDT: ['BTC', 'USDT', 43_000], ETHUSDT: ['ETH', 'USDT', 2_300] } as const
const COINBASE_PRODUCTS = { 'BTC-USD': 43_100, 'ETH-USD': 2_310 } as const
const EQUITIES = { AAPL: ['Apple Inc', 'NASDAQ', 190], IBM: ['International Business Machines Corp', 'NYSE', 160] } as const

const MINUTE = 60_000
const BINANCE_INTERVALS: Record<string, number> = {
  '1m': MINUTE,
  '3m': 3 * MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': 60 * MINUTE,
  '2h': 120 * MINUTE,
  '4h': 240 * MINUTE,
  '6h': 360 * MINUTE,
  '12h': 720 * MINUTE,
  '1d': 1440 * MINUTE,
  '1w': 7 * 1440 * MINUTE
}
const TWELVEDATA_INTERVALS: Record<string, number> = {
  '1min': MINUTE, '5min': 5 * MINUTE, '15min': 15 * MINUTE, '30min': 30 * MINUTE, '45min': 45 * MINUTE, '1h': 60 * MINUTE, '2h': 120 * MINUTE, '4h': 240 * MINUTE, '1day': 0
}

export interface FakeBar { time: number, open: number, high: number, low: number, close: number, volume: number }

const round2 = (v: number): number => Math.round(v * 100) / 100

/** The bar every fake provider serves for a base price, open time and length (ms). */
export function fakeBar (base: number, time: number, lengthMs: number): FakeBar {
  const price = (t: number): number => round2(base * (1 + 0.04 * Math.sin(t / 25_200_000) + 0.015 * Math.sin(t / 4_680_000)))
  const open = price(time)
  const close = price(time + lengthMs)
  return { time, open, high: round2(Math.max(open, close) * 1.002), low: round2(Math.min(open, close) * 0.998), close, volume: round2(10 + (time / MINUTE) % 97) }
}

export const BASES = { binance: BINANCE_SYMBOLS, coinbase: COINBASE_PRODUCTS, equities: EQUITIES }

/**
 * Open times of one Twelve Data instrument's bars in [from, to] (UTC ms) that had opened by `now`, New York regular
 * session only. Daily bars (intervalMs 0) are at 00:00 UTC of their trading date, `from`/`to` being such dates.
 */
export function sessionBarTimes (intervalMs: number, from: number, to: number, now: number): number[] {
  const times: number[] = []
  for (let day = Math.floor(from / 86_400_000) - 1; day * 86_400_000 <= to; day++) {
    const date = new Date(day * 86_400_000)
    const weekday = date.getUTCDay()
    if (weekday === 0 || weekday === 6 || HOLIDAYS.has(date.toISOString().slice(0, 10))) continue
    const open = new TZDate(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), 9, 30, 0, NEW_YORK).getTime()
    if (intervalMs === 0) {
      if (day * 86_400_000 >= from && open <= now) times.push(day * 86_400_000)
      continue
    }
    for (let t = open; t < open + 390 * MINUTE; t += intervalMs) if (t >= from && t <= to && t <= now) times.push(t)
  }
  return times
}

function localText (time: number, daily: boolean): string {
  const d = new TZDate(time, NEW_YORK)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  return daily ? new Date(time).toISOString().slice(0, 10) : `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

function parseLocal (text: string | null): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/.exec(text ?? '')
  if (m === null) return undefined
  return new TZDate(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), NEW_YORK).getTime()
}

export async function startFakeProviders (now: () => number): Promise<FakeProviders> {
  const calls: FakeCall[] = []
  const scripts: Array<{ prefix: string, answer: ScriptedAnswer }> = []
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  const binance = (path: string, q: URLSearchParams, res: ServerResponse): void => {
    const weight = { 'x-mbx-used-weight-1m': String(2 * calls.length) }
    if (path === '/api/v3/exchangeInfo') {
      send(res, 200, { timezone: 'UTC', serverTime: now(), symbols: Object.entries(BINANCE_SYMBOLS).map(([symbol, [base, quote]]) => ({ symbol, status: 'TRADING', baseAsset: base, quoteAsset: quote })) }, weight)
      return
    }
    const symbol = q.get('symbol') ?? ''
    if (!(symbol in BINANCE_SYMBOLS)) return send(res, 400, { code: -1121, msg: 'Invalid symbol.' }, weight)
    const step = BINANCE_INTERVALS[q.get('interval') ?? '']
    if (step === undefined) return send(res, 400, { code: -1120, msg: 'Invalid interval.' }, weight)
    const limit = Number(q.get('limit') ?? 500)
    if (limit > 1000) return send(res, 400, { code: -1130, msg: 'Invalid data sent for a parameter.' }, weight)
    const end = Math.min(Number(q.get('endTime') ?? now()), now())
    const start = q.has('startTime') ? Math.ceil(Number(q.get('startTime')) / step) * step : Math.floor(end / step) * step - (limit - 1) * step
    const base = BINANCE_SYMBOLS[symbol as keyof typeof BINANCE_SYMBOLS][2]
    const rows: unknown[] = []
    for (let t = start; t <= end && rows.length < limit; t += step) {
      const b = fakeBar(base, t, step)
      rows.push([t, b.open.toFixed(8), b.high.toFixed(8), b.low.toFixed(8), b.close.toFixed(8), b.volume.toFixed(8), t + step - 1, '0', 100, '0', '0', '0'])
    }
    send(res, 200, rows, weight)
  }

  const coinbase = (path: string, q: URLSearchParams, res: ServerResponse): void => {
    if (path === '/products') {
      send(res, 200, Object.keys(COINBASE_PRODUCTS).map((id) => ({ id, base_currency: id.split('-')[0], quote_currency: id.split('-')[1], display_name: id.replace('-', '/'), status: 'online' })))
      return
    }
    const m = /^\/products\/([^/]+)\/candles$/.exec(path)
    const product = decodeURIComponent(m?.[1] ?? '')
    if (!(product in COINBASE_PRODUCTS)) return send(res, 404, { message: 'NotFound' })
    const granularity = Number(q.get('granularity'))
    if (![60, 300, 900, 3600, 21600, 86400].includes(granularity)) return send(res, 400, { message: 'Unsupported granularity' })
    const step = granularity * 1000
    const start = Date.parse(q.get('start') ?? '')
    const end = Math.min(Date.parse(q.get('end') ?? ''), now())
    if ((Date.parse(q.get('end') ?? '') - start) / step + 1 > 300) {
      return send(res, 400, { message: 'granularity too small for the requested time range. Count of aggregations requested exceeds 300' })
    }
    const base = COINBASE_PRODUCTS[product as keyof typeof COINBASE_PRODUCTS]
    const rows: unknown[] = []
    for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
      const b = fakeBar(base, t, step)
      rows.push([t / 1000, b.low, b.high, b.open, b.close, b.volume])
    }
    send(res, 200, rows.reverse())
  }

  const twelveData = (path: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void => {
    // Twelve Data answers most errors with HTTP 200 and a {code, message, status: "error"} body.
    if (req.headers.authorization !== `apikey ${TWELVEDATA_KEY}`) {
      return send(res, 200, { code: 401, message: '**apikey** parameter is incorrect or not specified. You can get your free API key instantly following this link: https://twelvedata.com/pricing', status: 'error' })
    }
    if (path === '/symbol_search') {
      const text = (q.get('symbol') ?? '').toUpperCase()
      const data = Object.entries(EQUITIES).filter(([symbol, [name]]) => symbol.includes(text) || name.toUpperCase().includes(text))
        .map(([symbol, [name, exchange]]) => ({ symbol, instrument_name: name, exchange, mic_code: 'XNGS', exchange_timezone: NEW_YORK, instrument_type: 'Common Stock', country: 'United States', currency: 'USD' }))
      return send(res, 200, { data, status: 'ok' })
    }
    const symbol = q.get('symbol') ?? ''
    const equity = EQUITIES[symbol as keyof typeof EQUITIES]
    if (equity === undefined || (q.has('exchange') && q.get('exchange') !== equity[1])) {
      return send(res, 200, { code: 400, message: `**symbol** not found: ${symbol}. Please specify it correctly according to API Documentation.`, status: 'error' })
    }
    const interval = q.get('interval') ?? ''
    const step = TWELVEDATA_INTERVALS[interval]
    if (step === undefined) return send(res, 200, { code: 400, message: '**interval** is not valid.', status: 'error' })
    const daily = step === 0
    const outputsize = Math.min(5000, Number(q.get('outputsize') ?? 30))
    const startText = q.get('start_date') ?? '1970-01-01'
    const endText = q.get('end_date')
    // Dates and times are read in the exchange's zone; a daily bar is dated by its local trading date.
    const times = daily
      ? sessionBarTimes(0, Date.parse(startText.slice(0, 10)), endText === null ? now() : Date.parse(endText.slice(0, 10)), now())
      : sessionBarTimes(step, parseLocal(startText) ?? 0, endText === null ? now() : (parseLocal(endText) ?? now()) + (endText.length === 10 ? 86_400_000 - 1 : 0), now())
    const latest = times.slice(-outputsize)
    const base = equity[2]
    const values = latest.map((t) => {
      const b = fakeBar(base, t, daily ? 390 * MINUTE : step)
      return { datetime: localText(t, daily), open: b.open.toFixed(5), high: b.high.toFixed(5), low: b.low.toFixed(5), close: b.close.toFixed(5), volume: String(Math.round(b.volume * 1000)) }
    })
    if (q.get('order')?.toLowerCase() !== 'asc') values.reverse()
    send(res, 200, {
      meta: { symbol, interval, currency: 'USD', exchange_timezone: NEW_YORK, exchange: equity[1], mic_code: 'XNGS', type: 'Common Stock' },
      values,
      status: 'ok'
    })
  }

  const fake: FakeProviders = {
    url: '',
    calls,
    callsTo: (prefix) => calls.filter((c) => c.path.startsWith(prefix)),
    script: (prefix, ...answers) => { for (const answer of answers) scripts.push({ prefix, answer }) },
    delayMs: 0,
    close: async () => await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake')
    calls.push({ path: url.pathname, query: url.searchParams, headers: req.headers })
    const answer = (): void => {
      const scripted = scripts.findIndex((s) => url.pathname.startsWith(s.prefix))
      if (scripted >= 0) {
        const [{ answer }] = scripts.splice(scripted, 1)
        return send(res, answer.status, answer.body, answer.headers)
      }
      if (url.pathname.startsWith('/api/v3/')) return binance(url.pathname, url.searchParams, res)
      if (url.pathname.startsWith('/products')) return coinbase(url.pathname, url.searchParams, res)
      if (url.pathname === '/time_series' || url.pathname === '/symbol_search') return twelveData(url.pathname, url.searchParams, req, res)
      send(res, 404, { message: 'NotFound' })
    }
    if (fake.delayMs > 0) setTimeout(answer, fake.delayMs).unref()
    else answer()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return fake
}

/** The options every connector takes, pointed at a fake server, with a silent log. */
export function connectorOptions (baseUrl: string, maxRetryWaitMs: number): ConnectorOptions {
  return { baseUrl, timeoutMs: 5000, maxRetryWaitMs, log: silentLogger }
}

/** The connector tests' clock: Friday 2026-11-27 15:20 UTC, 10:20 in New York, the day after Thanksgiving. */
export const CONNECTOR_NOW = Date.UTC(2026, 10, 27, 15, 20)

/**
 * One connector against a fresh fake server whose clock stands at `now`; the server and the connector (its request
 * limiter) close when the test ends.
 */
export async function startConnector<P extends Pick<MarketDataProvider, 'close'>> (
  t: Test, create: (options: ConnectorOptions) => P, options: { maxRetryWaitMs?: number, now?: number } = {}
): Promise<{ fake: FakeProviders, provider: P }> {
  const now = options.now ?? CONNECTOR_NOW
  const fake = await startFakeProviders(() => now)
  t.teardown(fake.close)
  const provider = create(connectorOptions(fake.url, options.maxRetryWaitMs ?? 5000))
  t.teardown(() => { provider.close() })
  return { fake, provider }
}

/** The three connectors pointed at a fake server (Twelve Data with the key it accepts and no practical rate cap). */
export function providersAt (baseUrl: string, maxRetryWaitMs = 2000): MarketDataProvider[] {
  const common = connectorOptions(baseUrl, maxRetryWaitMs)
  return [
    createBinanceProvider(common),
    createCoinbaseProvider(common),
    createTwelveDataProvider({ ...common, apiKey: TWELVEDATA_KEY, requestsPerMinute: 1000 })
  ]
}
