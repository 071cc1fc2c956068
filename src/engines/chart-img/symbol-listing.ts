/**
 * Symbol discovery over Chart-IMG v3: `GET /v3/tradingview/exchange/list` (exchanges under `payload`) and
 * `GET /v3/tradingview/exchange/{EXCHANGE}` (symbols under `payload`, optional `?symbol=` filter)
 * (shared/reference/chart-img-api.md, Endpoints). Item shapes are only known from client code and a third-party
 * description, so both strings ("NASDAQ:AAPL") and objects ({symbol, name, description, exchange}) are read.
 *
 * Chart-IMG lists symbols one exchange at a time. Without an exchange we do not fan out over every exchange (that
 * would spend dozens of requests of a daily cap that may be 50); instead:
 *  - a query written `EXCHANGE:TICKER` searches that exchange for that ticker;
 *  - a query that is an exchange name lists that exchange;
 *  - anything else returns no symbols and a `problems` entry naming matching exchanges, so a model can call again.
 */
import { ChartError } from '../../chart/errors.js'
import { INTERVALS } from '../../chart/request.js'
import type { SymbolInfo, SymbolListing, SymbolQuery } from '../../chart/engine.js'
import type { UpstreamClient } from './upstream-client.js'
import { readUpstreamMessage } from './upstream-errors.js'

export const EXCHANGE_LIST_PATH = '/v3/tradingview/exchange/list'
export const exchangePath = (exchange: string): string => `/v3/tradingview/exchange/${encodeURIComponent(exchange)}`

export const DEFAULT_SYMBOL_LIMIT = 50
export const MAX_SYMBOL_LIMIT = 500
const MAX_CACHE_ENTRIES = 256
const MAX_EXCHANGES_NAMED = 60

interface Exchange { name: string, description?: string }

type Fetched = { found: true, items: unknown[] } | { found: false, message: string }

interface CacheEntry { expiresAt: number, value: Promise<Fetched> }

export interface SymbolDirectoryOptions {
  client: UpstreamClient
  /** How long a listing is reused; 0 disables the cache. */
  ttlMs: number
  now: () => number
}

export interface SymbolDirectory {
  list: (query: SymbolQuery) => Promise<SymbolListing>
}

export function createSymbolDirectory (options: SymbolDirectoryOptions): SymbolDirectory {
  const cache = new Map<string, CacheEntry>()

  /** GET a v3 listing, cached per URL; concurrent callers share one request; failures are not cached. */
  function fetchListing (path: string, query: Record<string, string>): Promise<Fetched> {
    const key = `${path}?${new URLSearchParams(query).toString()}`
    const hit = cache.get(key)
    if (hit !== undefined && hit.expiresAt > options.now()) return hit.value
    const value = load(path, query)
    const entry: CacheEntry = { expiresAt: Number.POSITIVE_INFINITY, value }
    cache.delete(key)
    cache.set(key, entry)
    while (cache.size > MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string)
    value.then(
      () => { entry.expiresAt = options.now() + options.ttlMs },
      () => { if (cache.get(key) === entry) cache.delete(key) }
    )
    return value
  }

  async function load (path: string, query: Record<string, string>): Promise<Fetched> {
    // 404/422 on an exchange route means "no such exchange", which we explain instead of failing.
    const response = await options.client.call({ method: 'GET', path, query, acceptStatuses: [404, 422] })
    if (response.status !== 200) {
      const said = options.client.redact(readUpstreamMessage(response.body, response.contentType))
      return { found: false, message: `${response.status} ${said}`.trim() }
    }
    return { found: true, items: payloadItems(response.body, path) }
  }

  async function exchanges (): Promise<Exchange[]> {
    const fetched = await fetchListing(EXCHANGE_LIST_PATH, {})
    if (!fetched.found) throw new ChartError('UPSTREAM', `Chart-IMG did not list its exchanges (${fetched.message}).`)
    return fetched.items.map(toExchange).filter((e): e is Exchange => e !== null)
  }

  async function list (query: SymbolQuery): Promise<SymbolListing> {
    const limit = Math.min(MAX_SYMBOL_LIMIT, Math.max(1, Math.floor(query.limit ?? DEFAULT_SYMBOL_LIMIT)))
    let exchange = query.exchange?.trim().toUpperCase() ?? ''
    let text = query.query?.trim() ?? ''

    if (exchange === '') {
      const colon = text.indexOf(':')
      if (colon > 0) {
        exchange = text.slice(0, colon).toUpperCase()
        text = text.slice(colon + 1)
      } else {
        const known = await exchanges()
        const named = known.find((e) => e.name.toUpperCase() === text.toUpperCase())
        if (named === undefined) return { symbols: [], total: 0, problems: [askForExchange(text, known)] }
        exchange = named.name.toUpperCase()
        text = ''
      }
    }

    const fetched = await fetchListing(exchangePath(exchange), text === '' ? {} : { symbol: text })
    if (!fetched.found) {
      const known = await exchanges().catch(() => [])
      const close = matchingExchanges(exchange, known)
      const hint = close.length > 0 ? ` Exchanges with similar names: ${close.join(', ')}.` : ' List exchanges by calling without `exchange`.'
      return { symbols: [], total: 0, problems: [`Chart-IMG does not list an exchange "${exchange}" (${fetched.message}).${hint}`] }
    }

    const symbols = dedupe(fetched.items.map((item) => toSymbolInfo(item, exchange)).filter((s): s is SymbolInfo => s !== null))
    // Chart-IMG's own `?symbol=` filter already narrowed the list; its matching rules are undocumented, so we rank
    // (exact ticker, prefix, contains, description) rather than drop anything it chose to return.
    const ranked = text === '' ? symbols : rank(symbols, text)
    const problems = symbols.length === 0 && text !== '' ? [`No ${exchange} symbol matches "${text}" on Chart-IMG.`] : []
    return { symbols: ranked.slice(0, limit), total: ranked.length, problems }
  }

  return { list }
}

function askForExchange (text: string, known: Exchange[]): string {
  const base = 'Chart-IMG lists symbols one exchange at a time: call again with `exchange` set ' +
    '(e.g. exchange "NASDAQ", query "AAPL"), or write the query as EXCHANGE:TICKER.'
  const matches = text === '' ? [] : matchingExchanges(text, known)
  if (matches.length > 0) return `${base} Exchanges matching "${text}": ${matches.join(', ')}.`
  const names = known.map((e) => e.name)
  const shown = names.slice(0, MAX_EXCHANGES_NAMED).join(', ')
  const more = names.length > MAX_EXCHANGES_NAMED ? ` and ${names.length - MAX_EXCHANGES_NAMED} more` : ''
  return `${base} Chart-IMG exchanges (${names.length}): ${shown}${more}.`
}

function matchingExchanges (text: string, known: Exchange[]): string[] {
  const needle = text.toLowerCase()
  return known
    .filter((e) => e.name.toLowerCase().includes(needle) || needle.includes(e.name.toLowerCase()) ||
      (e.description?.toLowerCase().includes(needle) ?? false))
    .map((e) => e.description === undefined ? e.name : `${e.name} (${e.description})`)
    .slice(0, 20)
}

/** The list under `payload` (tolerating a bare array or `payload.{symbols,exchanges,data}`). */
export function payloadItems (body: Buffer, path: string): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new ChartError('UPSTREAM', `Chart-IMG answered ${path} with something that is not JSON.`)
  }
  const candidates: unknown[] = [parsed]
  if (isRecord(parsed)) candidates.push(parsed.payload)
  if (isRecord(parsed) && isRecord(parsed.payload)) {
    candidates.push(parsed.payload.symbols, parsed.payload.exchanges, parsed.payload.data)
  }
  const list = candidates.find(Array.isArray)
  if (list === undefined) throw new ChartError('UPSTREAM', `Chart-IMG answered ${path} without a list under "payload".`)
  return list
}

export function toExchange (item: unknown): Exchange | null {
  if (typeof item === 'string') return item.trim() === '' ? null : { name: item.trim() }
  if (!isRecord(item)) return null
  const name = firstString(item.exchange, item.name, item.id, item.code, item.symbol)
  if (name === undefined) return null
  const description = firstString(item.description, item.title, item.name !== name ? item.name : undefined)
  return description === undefined ? { name } : { name, description }
}

export function toSymbolInfo (item: unknown, exchange: string): SymbolInfo | null {
  let raw: string | undefined
  let description: string | undefined
  let itemExchange: string | undefined
  if (typeof item === 'string') {
    raw = item.trim()
  } else if (isRecord(item)) {
    raw = firstString(item.symbol, item.ticker, item.full_name, item.name)
    description = firstString(item.description, item.name !== raw ? item.name : undefined)
    itemExchange = firstString(item.exchange)
  }
  if (raw === undefined || raw === '') return null
  const colon = raw.indexOf(':')
  const ex = (colon > 0 ? raw.slice(0, colon) : itemExchange ?? exchange).toUpperCase()
  const ticker = colon > 0 ? raw.slice(colon + 1) : raw
  if (ticker === '') return null
  const info: SymbolInfo = { symbol: `${ex}:${ticker}`, exchange: ex, ticker, intervals: [...INTERVALS], source: 'chart-img' }
  if (description !== undefined) info.description = description
  return info
}

function rank (symbols: SymbolInfo[], text: string): SymbolInfo[] {
  const needle = text.toUpperCase()
  const score = (s: SymbolInfo): number => {
    const ticker = s.ticker.toUpperCase()
    if (ticker === needle) return 0
    if (ticker.startsWith(needle)) return 1
    if (ticker.includes(needle)) return 2
    if (s.description?.toUpperCase().includes(needle) === true) return 3
    return 4
  }
  return symbols.map((s, i) => ({ s, i, k: score(s) })).sort((a, b) => a.k - b.k || a.i - b.i).map((x) => x.s)
}

function dedupe (symbols: SymbolInfo[]): SymbolInfo[] {
  const seen = new Set<string>()
  return symbols.filter((s) => !seen.has(s.symbol) && seen.add(s.symbol) !== undefined)
}

function firstString (...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value.trim()
  return undefined
}

function isRecord (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
