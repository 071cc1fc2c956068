/**
 * The market-data catalog of the embedded engine: bundled vega-datasets symbols plus user CSV files, with
 * resampling to coarser intervals, lookup errors a model can act on, and a data version for render caches.
 */
import type { Logger } from 'pino'
import { stylesFor, type Interval } from '../chart/request.js'
import { ChartError } from '../chart/errors.js'
import { didYouMean, nearestSymbol, rankSymbols } from '../chart/suggestions.js'
import type { SymbolInfo, SymbolListing, SymbolQuery } from '../chart/engine.js'
import type { Bar, Series } from './types.js'
import { BUNDLED_SYMBOLS, vegaDatasetsVersion } from './bundled.js'
import { availableIntervals, canResample, describeInterval, formatBarTime, joinOr } from './intervals.js'
import { resample } from './resample.js'
import { UserDataDirectory } from './user-data.js'

export interface MarketCatalogOptions {
  /** Directory of user `EXCHANGE_TICKER.csv` files (MARKET_DATA_DIR); optional. */
  marketDataDir?: string
  log: Logger
}

export interface MarketCatalog {
  /**
   * Every symbol (bundled first, then user files by symbol), filtered by exchange (case-insensitive, exact) and
   * query (case-insensitive substring of symbol or description), at most `limit` (default 100). `total` counts
   * matches before the limit; `problems` names each malformed user file with its line.
   */
  listSymbols: (query: SymbolQuery) => SymbolListing
  /**
   * The full series at `interval`, resampled from the native interval when coarser. The returned object is shared
   * and cached: treat it as read-only. Throws ChartError UNKNOWN_SYMBOL or UNSUPPORTED_INTERVAL.
   */
  getSeries: (symbol: string, interval: Interval) => Series
  /** A string that changes whenever the symbol's data changes (a user CSV edited): a render-cache key. Throws UNKNOWN_SYMBOL. */
  dataVersion: (symbol: string) => string
  /** Where a symbol's data comes from: the bundled datasets, a user file, or neither (undefined). */
  origin: (symbol: string) => 'bundled' | 'user' | undefined
  /** Stops file watchers; idempotent. */
  close: () => void
}

interface Entry {
  symbol: string
  name: string | undefined
  description: string
  source: string
  interval: Interval
  fields: Series['fields']
  version: string
  origin: 'bundled' | 'user'
  bars: () => Bar[]
}

const DEFAULT_LIMIT = 100
const FIELD_WORDS: Record<Series['fields'], string> = { ohlcv: 'OHLCV', ohlc: 'OHLC', close: 'closes' }

export function createMarketCatalog (options: MarketCatalogOptions): MarketCatalog {
  const { log } = options
  const user = options.marketDataDir === undefined ? undefined : new UserDataDirectory(options.marketDataDir, log)
  let bundledVersion: string | undefined
  const seriesCache = new Map<string, { version: string, byInterval: Map<Interval, Series> }>()

  const bundledEntries = (): Entry[] => {
    bundledVersion ??= vegaDatasetsVersion()
    return BUNDLED_SYMBOLS.map((b) => ({
      symbol: b.symbol,
      name: b.name,
      description: b.description,
      source: b.file,
      interval: b.interval,
      fields: b.fields,
      version: `vega-datasets@${bundledVersion}/${b.file}`,
      origin: 'bundled' as const,
      bars: b.load
    }))
  }

  let entriesCache: { generation: number, entries: Map<string, Entry> } | undefined
  /** All symbols; a user file for a bundled symbol replaces it (lets users bring fresher data). Rebuilt only on change. */
  const entries = (): Map<string, Entry> => {
    user?.refresh()
    const generation = user?.generation ?? 0
    if (entriesCache?.generation === generation) return entriesCache.entries
    const out = new Map<string, Entry>()
    for (const entry of bundledEntries()) out.set(entry.symbol, entry)
    const userSymbols = [...(user?.symbols().values() ?? [])].sort((a, b) => a.symbol.localeCompare(b.symbol))
    for (const u of userSymbols) {
      const span = u.bars.length > 0 ? `${formatBarTime(u.bars[0].time, u.interval)} to ${formatBarTime(u.bars[u.bars.length - 1].time, u.interval)}` : 'empty'
      out.set(u.symbol, {
        symbol: u.symbol,
        name: undefined,
        description: `${u.symbol}, ${describeInterval(u.interval)} ${FIELD_WORDS[u.fields]}, ${span} (${u.fileName}, MARKET_DATA_DIR)`,
        source: u.fileName,
        interval: u.interval,
        fields: u.fields,
        version: `user/${u.fileName}/${u.version}`,
        origin: 'user',
        bars: () => u.bars
      })
    }
    entriesCache = { generation, entries: out }
    return out
  }

  const lookup = (symbol: string): Entry => {
    const all = entries()
    const wanted = symbol.trim().toUpperCase()
    const entry = all.get(wanted)
    if (entry !== undefined) return entry
    throw new ChartError('UNKNOWN_SYMBOL', unknownSymbolMessage(wanted, [...all.keys()]))
  }

  const toInfo = (entry: Entry): SymbolInfo => {
    const bars = entry.bars()
    const [exchange, ticker] = entry.symbol.split(':')
    return {
      symbol: entry.symbol,
      exchange,
      ticker,
      description: entry.description,
      intervals: availableIntervals(entry.interval),
      from: bars.length > 0 ? formatBarTime(bars[0].time, entry.interval) : undefined,
      to: bars.length > 0 ? formatBarTime(bars[bars.length - 1].time, entry.interval) : undefined,
      fields: entry.fields,
      styles: stylesFor(entry.fields),
      source: entry.source
    }
  }

  return {
    listSymbols (query) {
      const exchange = query.exchange?.trim().toUpperCase()
      const text = query.query?.trim().toLowerCase()
      const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_LIMIT))
      const matches = [...entries().values()].filter((entry) =>
        (exchange === undefined || exchange === '' || entry.symbol.split(':')[0] === exchange) &&
        (text === undefined || text === '' || entry.symbol.toLowerCase().includes(text) || entry.description.toLowerCase().includes(text)))
      return {
        symbols: matches.slice(0, limit).map(toInfo),
        total: matches.length,
        problems: user?.problems() ?? []
      }
    },

    getSeries (symbol, interval) {
      const entry = lookup(symbol)
      if (!canResample(entry.interval, interval)) {
        throw new ChartError('UNSUPPORTED_INTERVAL',
          `${entry.symbol} has ${describeInterval(entry.interval)} data; use ${joinOr(availableIntervals(entry.interval))}`)
      }
      let cached = seriesCache.get(entry.symbol)
      if (cached === undefined || cached.version !== entry.version) {
        cached = { version: entry.version, byInterval: new Map() }
        seriesCache.set(entry.symbol, cached)
      }
      let series = cached.byInterval.get(interval)
      if (series === undefined) {
        const native = entry.bars()
        const bars = interval === entry.interval ? native : resample(native, entry.interval, interval)
        series = { symbol: entry.symbol, interval, bars, fields: entry.fields, source: entry.source, ...(entry.name === undefined ? {} : { name: entry.name }) }
        cached.byInterval.set(interval, series)
      }
      return series
    },

    dataVersion (symbol) {
      return lookup(symbol).version
    },

    origin (symbol) {
      return entries().get(symbol.trim().toUpperCase())?.origin
    },

    close () {
      user?.close()
    }
  }
}

/**
 * "Did you mean" the symbol with the same ticker on another exchange, or the nearest by spelling; then all symbols when
 * there are few, otherwise the closest ones (same ticker, shared text, small edit distance).
 */
function unknownSymbolMessage (symbol: string, known: string[]): string {
  const hint = didYouMean(nearestSymbol(symbol, known))
  if (known.length <= 12) return `Unknown symbol ${symbol}.${hint} Known symbols: ${known.join(', ')}`
  const closest = rankSymbols(symbol, known).slice(0, 8)
  return `Unknown symbol ${symbol}.${hint} Closest known symbols: ${closest.join(', ')} (${known.length} symbols in all; list them with a query to search)`
}
