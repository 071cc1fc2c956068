/**
 * What the embedded engine asks for data: the offline catalog (bundled datasets and user CSV files) and the online
 * providers behind it. A symbol goes to the provider that owns its exchange prefix unless a user file names it;
 * fetched bars are cached (./bar-cache.ts) and only missing ranges are fetched. When a provider fails, cached bars
 * are drawn with their age said in a note, then the bundled data when it has the symbol; otherwise the error names
 * the provider and why. Nothing is ever made up.
 */
import type { Logger } from 'pino'
import type { SymbolInfo, SymbolListing, SymbolQuery } from '../chart/engine.js'
import { ChartError } from '../chart/errors.js'
import type { ChartRange, Interval } from '../chart/request.js'
import type { BarCache, BarCacheKey } from './bar-cache.js'
import type { MarketCatalog } from './catalog.js'
import { fetchSpan } from './fetch-span.js'
import { availableIntervals, bucketStart, canResample, describeInterval, formatBarTime, joinOr } from './intervals.js'
import { isProviderError, type ProviderError } from './providers/http.js'
import type { MarketDataProvider } from './providers/types.js'
import { resample } from './resample.js'
import type { Series } from './types.js'

export interface LoadSeriesOptions {
  range: ChartRange | undefined
  /** Image width: how many bars a chart without a range shows. */
  width: number
  signal: AbortSignal
  /** Called before each provider request with a message such as "Fetching data from Binance: …". */
  onFetch: (message: string) => void
}

export interface LoadedSeries {
  /** Shared when it comes from the offline catalog: read-only. */
  series: Series
  /** Changes whenever the drawn data changes: a render-cache key. */
  version: string
  /** What a reader should know about the data (its age when a provider could not be reached). */
  notes: string[]
}

/** A provider switched off, so its exchanges can be named in errors. */
export interface DisabledProvider {
  name: string
  exchanges: readonly string[]
  /** How to switch it on, e.g. "set TWELVEDATA_API_KEY". */
  enable: string
}

export interface MarketDataOptions {
  catalog: MarketCatalog
  providers: readonly MarketDataProvider[]
  disabled?: readonly DisabledProvider[]
  /** Required when there are providers. */
  cache?: BarCache
  now?: () => number
  log: Logger
}

export interface MarketData {
  loadSeries: (symbol: string, interval: Interval, options: LoadSeriesOptions) => Promise<LoadedSeries>
  /** Offline symbols, then provider symbols: those cached, and matches of provider search for a query or exchange. */
  listSymbols: (query: SymbolQuery) => Promise<SymbolListing>
  close: () => Promise<void>
}

const DEFAULT_LIMIT = 100
const SEARCH_TIMEOUT_MS = 10_000

export function createMarketData (options: MarketDataOptions): MarketData {
  const { catalog, providers, cache, log } = options
  const now = options.now ?? Date.now
  if (providers.length > 0 && cache === undefined) throw new Error('market data providers need a bar cache')
  /** One load per cache key at a time, so identical charts arriving together fetch once. */
  const loading = new Map<string, Promise<unknown>>()

  const providerFor = (exchange: string): MarketDataProvider | undefined => providers.find((p) => p.exchanges.includes(exchange))

  const offline = (symbol: string, interval: Interval, notes: string[] = []): LoadedSeries => {
    try {
      return { series: catalog.getSeries(symbol, interval), version: catalog.dataVersion(symbol), notes }
    } catch (error) {
      const disabled = options.disabled?.find((d) => d.exchanges.includes(symbol.split(':')[0]))
      if (error instanceof ChartError && error.code === 'UNKNOWN_SYMBOL' && disabled !== undefined) {
        throw new ChartError('UNKNOWN_SYMBOL', `${symbol}: ${disabled.exchanges.join('/')} symbols come from ${disabled.name}, which is switched off (${disabled.enable}). ${error.message}`)
      }
      throw error
    }
  }

  async function serialized<T> (key: string, work: () => Promise<T>): Promise<T> {
    const before = loading.get(key) ?? Promise.resolve()
    const run = before.catch(() => {}).then(work)
    loading.set(key, run)
    try {
      return await run
    } finally {
      if (loading.get(key) === run) loading.delete(key)
    }
  }

  async function fromProvider (provider: MarketDataProvider, symbol: string, interval: Interval, load: LoadSeriesOptions): Promise<LoadedSeries> {
    const [exchange, ticker] = symbol.split(':')
    const mapped = provider.toProviderTicker(exchange, ticker)
    if ('error' in mapped) throw new ChartError('UNKNOWN_SYMBOL', `${symbol}: ${mapped.error}`)
    // The coarsest native interval that whole bars of the asked one are built from: fewest bars to fetch.
    const native = [...provider.nativeIntervals].reverse().find((n) => canResample(n, interval))
    if (native === undefined) {
      const offered = [...new Set(provider.nativeIntervals.flatMap(availableIntervals))]
      throw new ChartError('UNSUPPORTED_INTERVAL', `${provider.name} has no ${describeInterval(interval)} data for ${symbol}; use ${joinOr(offered)}`)
    }
    const key: BarCacheKey = { provider: provider.id, ticker: mapped.ticker, interval: native }
    const barCache = cache as BarCache
    return await serialized(`${key.provider}\n${key.ticker}\n${key.interval}`, async () => {
      const at = now()
      const span = fetchSpan({ range: load.range, interval, width: load.width, now: at, calendarFactor: provider.calendarFactor(native) })
      const start = bucketStart(span.start, native)
      let failure: ProviderError | undefined
      for (const gap of await barCache.missing(key, start, span.end, at)) {
        load.onFetch(`Fetching data from ${provider.name}: ${symbol} ${native} bars ${formatBarTime(gap.start, native)} to ${formatBarTime(gap.end, native)}`)
        try {
          const bars = await provider.fetchBars({ ticker: mapped.ticker, interval: native, from: gap.start, to: gap.end, signal: load.signal })
          await barCache.store(key, bars, gap, at)
        } catch (error) {
          if (!isProviderError(error)) throw error
          if (error.kind === 'cancelled' || load.signal.aborted) throw new ChartError('CANCELLED', 'The chart request was cancelled', { cause: error })
          if (error.kind === 'unknown-symbol') throw new ChartError('UNKNOWN_SYMBOL', `${symbol}: ${error.message}`, { cause: error })
          log.warn({ provider: provider.id, symbol, kind: error.kind, status: error.status }, 'market data fetch failed')
          failure = error
          break
        }
      }
      const bars = await barCache.bars(key, start, span.end)
      const notes: string[] = []
      if (failure !== undefined) {
        if (bars.length === 0) return fallback(provider, symbol, interval, failure)
        const fetchedAt = (await barCache.lastFetchedAt(key)) ?? at
        notes.push(`${failure.message}. Drawn from cached ${provider.name} bars fetched ${formatAge(at - fetchedAt)} ago ` +
          `(${new Date(fetchedAt).toISOString().slice(0, 16)}Z); the last bar opened ${formatBarTime(bars[bars.length - 1].time, native)}`)
      }
      if (bars.length === 0) {
        throw new ChartError('INVALID_REQUEST', `${provider.name} has no ${describeInterval(native)} bars for ${symbol} between ` +
          `${formatBarTime(start, native)} and ${formatBarTime(span.end, native)}; its data covers ${provider.horizon}`)
      }
      const last = bars[bars.length - 1]
      const series: Series = {
        symbol,
        interval,
        bars: native === interval ? bars : resample(bars, native, interval),
        fields: 'ohlcv',
        source: provider.name
      }
      return { series, version: `${provider.id}/${mapped.ticker}/${native}/${bars[0].time}/${bars.length}/${last.time}/${last.close}/${last.high}/${last.low}/${last.volume ?? ''}`, notes }
    })
  }

  /** Nothing cached: the bundled data when it can draw the chart, said so; otherwise the provider's error. */
  function fallback (provider: MarketDataProvider, symbol: string, interval: Interval, failure: ProviderError): LoadedSeries {
    if (catalog.origin(symbol) !== undefined) {
      try {
        const series = catalog.getSeries(symbol, interval)
        const bars = series.bars
        return {
          series,
          version: catalog.dataVersion(symbol),
          notes: [`${failure.message}; nothing from ${provider.name} is cached, so this is the bundled offline data (${formatBarTime(bars[0].time, interval)} to ${formatBarTime(bars[bars.length - 1].time, interval)})`]
        }
      } catch {}
    }
    const reason = `No data for ${symbol} ${interval}: ${failure.message}, and nothing is cached`
    if (failure.kind === 'rate-limited') {
      throw new ChartError('RATE_LIMITED', reason, { retryAfterSeconds: failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1000) })
    }
    throw new ChartError('UPSTREAM', reason, { cause: failure })
  }

  function providerInfo (provider: MarketDataProvider, symbol: string, description: string): SymbolInfo {
    const [exchange, ticker] = symbol.split(':')
    return {
      symbol,
      exchange,
      ticker,
      description,
      intervals: [...new Set(provider.nativeIntervals.flatMap(availableIntervals))].sort((a, b) => INTERVAL_ORDER.indexOf(a) - INTERVAL_ORDER.indexOf(b)),
      fields: 'ohlcv',
      source: provider.name,
      horizon: `${provider.horizon}; ${provider.limits}`
    }
  }

  return {
    async loadSeries (symbol, interval, load) {
      const wanted = symbol.trim().toUpperCase()
      const provider = providerFor(wanted.split(':')[0])
      if (provider === undefined || catalog.origin(wanted) === 'user') return offline(wanted, interval)
      return await fromProvider(provider, wanted, interval, load)
    },

    async listSymbols (query) {
      const limit = Math.max(0, Math.floor(query.limit ?? DEFAULT_LIMIT))
      const exchange = query.exchange?.trim().toUpperCase() ?? ''
      const text = query.query?.trim() ?? ''
      const local = catalog.listSymbols({ ...query, limit: Number.MAX_SAFE_INTEGER })
      const seen = new Set(local.symbols.map((s) => s.symbol))
      const found: SymbolInfo[] = []
      const problems = [...local.problems]
      for (const provider of providers) {
        if (exchange !== '' && !provider.exchanges.includes(exchange)) continue
        const add = (info: SymbolInfo): void => {
          if (seen.has(info.symbol)) return
          seen.add(info.symbol)
          found.push(info)
        }
        // Symbols charted before: known without a network call, with the span of bars held.
        for (const cached of await (cache as BarCache).cachedSymbols(provider.id)) {
          const symbol = provider.toCatalogSymbol(cached.ticker)
          if (exchange !== '' && symbol.split(':')[0] !== exchange) continue
          if (text !== '' && !symbol.toLowerCase().includes(text.toLowerCase())) continue
          add({
            ...providerInfo(provider, symbol, `${symbol} via ${provider.name} (cached ${describeInterval(cached.interval)} bars)`),
            from: formatBarTime(cached.from, cached.interval),
            to: formatBarTime(cached.to, cached.interval)
          })
        }
        if ((text === '' && exchange === '') || provider.searchSymbols === undefined) continue
        try {
          const matches = await provider.searchSymbols(text, limit, AbortSignal.timeout(SEARCH_TIMEOUT_MS))
          for (const match of matches) add(providerInfo(provider, match.symbol, match.description))
        } catch (error) {
          problems.push(`${provider.name} symbol search failed: ${error instanceof Error ? error.message : String(error)}`)
        }
      }
      // A bundled symbol whose exchange a provider serves is charted from that provider: list it as such.
      const localShown = local.symbols.map((info) => {
        const provider = providerFor(info.exchange)
        if (provider === undefined || catalog.origin(info.symbol) !== 'bundled') return info
        return { ...providerInfo(provider, info.symbol, `${info.description ?? info.symbol}; live data from ${provider.name}, this bundled data when it cannot be reached`) }
      })
      const all = [...localShown, ...found]
      return { symbols: all.slice(0, limit), total: all.length, problems }
    },

    async close () {
      for (const provider of providers) provider.close()
      catalog.close()
      await cache?.close()
    }
  }
}

const INTERVAL_ORDER: readonly Interval[] = ['1m', '3m', '5m', '15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M']

/** "42 s", "7 min", "3 h 5 min", "2 days" */
export function formatAge (ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`
  return `${Math.floor(hours / 24)} days`
}
