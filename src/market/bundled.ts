/**
 * The symbols bundled with the server, read from the `vega-datasets` npm package. Each file is read and parsed on
 * first use and kept for the life of the process.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { Interval } from '../chart/request.js'
import type { Bar, Series } from './types.js'

export interface BundledSymbol {
  symbol: string
  /** The instrument's name, shown in the chart header. */
  name: string
  description: string
  /** Dataset file name inside vega-datasets/data. */
  file: string
  interval: Interval
  fields: Series['fields']
  load: () => Bar[]
}

let dataDirectory: string | undefined

/**
 * vega-datasets/data. `require.resolve('vega-datasets/package.json')` fails (ERR_PACKAGE_PATH_NOT_EXPORTED: the
 * package's `exports` map lists only "."), so resolve its entry point and walk up to the package root. Works from
 * src (tsx) and dist alike.
 */
export function vegaDataDirectory (): string {
  if (dataDirectory !== undefined) return dataDirectory
  const require = createRequire(import.meta.url)
  let dir = dirname(require.resolve('vega-datasets'))
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir)
  dataDirectory = join(dir, 'data')
  return dataDirectory
}

export function vegaDatasetsVersion (): string {
  const pkg = JSON.parse(readFileSync(join(vegaDataDirectory(), '..', 'package.json'), 'utf8')) as { version?: string }
  return pkg.version ?? 'unknown'
}

const fileCache = new Map<string, unknown>()
function once<T> (key: string, read: () => T): T {
  if (!fileCache.has(key)) fileCache.set(key, read())
  return fileCache.get(key) as T
}

function readDataFile (file: string): string {
  return readFileSync(join(vegaDataDirectory(), file), 'utf8')
}

function dayUtc (iso: string): number {
  const ms = Date.parse(`${iso}T00:00:00Z`)
  if (Number.isNaN(ms)) throw new Error(`vega-datasets: unreadable date ${iso}`)
  return ms
}

function loadSp500 (): Bar[] {
  return once('sp500-2000.csv', () => {
    const [header, ...rows] = readDataFile('sp500-2000.csv').trim().split(/\r?\n/)
    const names = header.split(',')
    const at = (name: string): number => names.indexOf(name)
    const [d, o, h, l, c, v] = ['date', 'open', 'high', 'low', 'close', 'volume'].map(at)
    return rows.map((row) => {
      const cells = row.split(',')
      return { time: dayUtc(cells[d]), open: +cells[o], high: +cells[h], low: +cells[l], close: +cells[c], volume: +cells[v] }
    })
  })
}

function loadVix (): Bar[] {
  return once('ohlc.json', () => {
    const rows = JSON.parse(readDataFile('ohlc.json')) as Array<{ date: string, open: number, high: number, low: number, close: number }>
    return rows.map((r) => ({ time: dayUtc(r.date), open: r.open, high: r.high, low: r.low, close: r.close, volume: null }))
  })
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 }

/** stocks.csv: `symbol,date,price` with dates like `Jan 1 2000`; monthly closes. */
function loadStocks (): Map<string, Bar[]> {
  return once('stocks.csv', () => {
    const bySymbol = new Map<string, Bar[]>()
    const [, ...rows] = readDataFile('stocks.csv').trim().split(/\r?\n/)
    for (const row of rows) {
      const [ticker, date, price] = row.split(',')
      const [month, day, year] = date.split(' ')
      const time = Date.UTC(+year, MONTHS[month], +day)
      const close = +price
      if (!bySymbol.has(ticker)) bySymbol.set(ticker, [])
      bySymbol.get(ticker)?.push({ time, open: close, high: close, low: close, close, volume: null })
    }
    for (const bars of bySymbol.values()) bars.sort((a, b) => a.time - b.time)
    return bySymbol
  })
}

const stock = (symbol: string, ticker: string, name: string, years: string): BundledSymbol => ({
  symbol,
  name,
  description: `${name}, monthly closes, ${years} (vega-datasets)`,
  file: 'stocks.csv',
  interval: '1M',
  fields: 'close',
  load: () => loadStocks().get(ticker) ?? []
})

export const BUNDLED_SYMBOLS: readonly BundledSymbol[] = [
  { symbol: 'SP:SPX', name: 'S&P 500 index', description: 'S&P 500 index, daily, 2000–2020 (vega-datasets)', file: 'sp500-2000.csv', interval: '1D', fields: 'ohlcv', load: loadSp500 },
  { symbol: 'CBOE:VIX', name: 'CBOE Volatility Index', description: 'CBOE Volatility Index, daily OHLC, June–July 2009 (vega-datasets)', file: 'ohlc.json', interval: '1D', fields: 'ohlc', load: loadVix },
  stock('NASDAQ:AAPL', 'AAPL', 'Apple Inc.', '2000–2010'),
  stock('NASDAQ:AMZN', 'AMZN', 'Amazon.com Inc.', '2000–2010'),
  stock('NASDAQ:GOOG', 'GOOG', 'Alphabet (Google) Inc.', '2004–2010'),
  stock('NASDAQ:MSFT', 'MSFT', 'Microsoft Corp.', '2000–2010'),
  stock('NYSE:IBM', 'IBM', 'International Business Machines Corp.', '2000–2010')
]
