/**
 * "Did you mean" for the values a chart request names: intervals (`1d` → `1D`, `daily` → `1D`), styles
 * (`candles` → `candle`), symbols (`AAPL` → `NASDAQ:AAPL`) and, through `closestName`, study names. A model or a
 * person who typed a near miss gets the value to use, not only the list of valid ones.
 * Edit distance comes from fastest-levenshtein (a small, dependency-free, well-used package) rather than a hand-written
 * copy.
 */
import { distance } from 'fastest-levenshtein'

/** Lower-case letters, digits and `%` only: "Heikin-Ashi" and "heikin_ashi" read the same. */
export function looseKey (text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9%]/g, '')
}

/**
 * The known value `input` most likely meant: an alias (by loose key), then a case-insensitive or punctuation-only
 * difference, then the nearest by edit distance when close enough (at most a third of the input's length rounded
 * up, at least one edit; a swap of two letters counts two). Undefined when nothing is close.
 */
export function closestName (input: string, known: readonly string[], aliases: Readonly<Record<string, string>> = {}): string | undefined {
  const key = looseKey(input)
  if (key === '') return undefined
  const alias = aliases[key]
  if (alias !== undefined) return alias
  const loose = known.filter((k) => looseKey(k) === key)
  if (loose.length === 1) return loose[0]
  let best: string | undefined
  let bestDistance = Math.max(1, Math.ceil(key.length / 3)) + 1
  for (const candidate of known) {
    const d = distance(key, looseKey(candidate))
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

/** ` Did you mean "X"?` or nothing. */
export function didYouMean (suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`
}

/** word → value, from `{ value: 'word word …' }` (compact tables of synonyms). */
function synonyms (groups: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(groups).flatMap(([value, words]) => words.split(' ').map((word) => [word, value])))
}

// Unit words after an amount, lower-cased; a capital M is handled apart (TradingView's month).
const UNIT_WORDS = synonyms({
  m: 'm min mins minute minutes',
  h: 'h hr hrs hour hours hourly',
  D: 'd day days daily',
  W: 'w wk week weeks weekly',
  M: 'mo mon month months monthly'
})

/**
 * The interval a near miss means: `1d`/`1 day`/`daily` → `1D`, `15min` → `15m`, `1hr` → `1h`, `60` (minutes, as
 * TradingView writes resolutions) → `1h`, `4H` → `4h`. Only values in `intervals` are suggested.
 */
export function suggestInterval (input: string, intervals: readonly string[]): string | undefined {
  const text = input.trim()
  const words = /^(\d*)\s*([a-zA-Z]+)$/.exec(text)
  if (words !== null) {
    // A capital M is a month in TradingView's notation (1M), a small one a minute.
    const unit = words[2] === 'M' ? 'M' : UNIT_WORDS[words[2].toLowerCase()] as string | undefined
    if (unit !== undefined) {
      const candidate = `${words[1] === '' ? '1' : words[1]}${unit}`
      // A unit understood but an amount not offered (3M, 2D): no guess at another unit.
      return intervals.includes(candidate) ? candidate : undefined
    }
  }
  if (/^\d+$/.test(text)) {
    const minutes = Number(text)
    const candidate = minutes % 60 === 0 && minutes >= 60 ? `${minutes / 60}h` : `${minutes}m`
    if (intervals.includes(candidate)) return candidate
  }
  return closestName(text, intervals)
}

// Names people and other chart tools use for Chart-IMG's styles (TradingView's UI names, seed 004's chartType).
const STYLE_WORDS = synonyms({
  candle: 'candles candlestick candlesticks japanese',
  bar: 'bars ohlc ohlcbars',
  line: 'lines linechart',
  area: 'areas mountain',
  heikinAshi: 'heikinashi ha heiken heikenashi',
  hollowCandle: 'hollow hollowcandles hollowcandlestick',
  hiLo: 'hilo highlow highlowbars',
  column: 'columns histogram'
})

export function suggestStyle (input: string, styles: readonly string[]): string | undefined {
  return closestName(input, styles, STYLE_WORDS)
}

/**
 * A symbol for text that is not `EXCHANGE:TICKER`: a bare ticker (`AAPL`) or another separator (`NASDAQ-AAPL`,
 * `nasdaq aapl`) matched against `known` symbols by ticker; otherwise the separator fixed.
 */
export function suggestSymbol (input: string, known: readonly string[], pattern: RegExp): string | undefined {
  const text = input.trim().toUpperCase()
  const byTicker = known.filter((symbol) => symbol.split(':')[1] === text)
  if (byTicker.length === 1) return byTicker[0]
  const separated = text.replace(/^([A-Z0-9_.!-]+?)\s*[\s/|;-]\s*([A-Z0-9_.!]+)$/, '$1:$2')
  if (separated !== text && pattern.test(separated)) return separated
  return undefined
}

/** The ticker of `EXCHANGE:TICKER`; the whole text when it names no exchange. */
export function tickerOf (symbol: string): string {
  return symbol.slice(symbol.indexOf(':') + 1)
}

/**
 * The one known symbol an unknown `symbol` most likely meant, for a "did you mean": the nearest ticker by spelling
 * (tickers are compared, not whole symbols: NASDAQ:TSLA is not a typo of NASDAQ:AAPL), on the symbol's own exchange
 * when it is listed there, else when exactly one exchange lists it.
 */
export function nearestSymbol (symbol: string, known: readonly string[]): string | undefined {
  const exchange = symbol.split(':')[0]
  const nearTicker = closestName(tickerOf(symbol), known.map(tickerOf))
  const near = known.filter((candidate) => tickerOf(candidate) === nearTicker)
  return near.find((candidate) => candidate.startsWith(`${exchange}:`)) ?? (near.length === 1 ? near[0] : undefined)
}

/**
 * Known symbols, closest to `symbol` first: the same ticker on another exchange (NYSE:AAPL → NASDAQ:AAPL), then one
 * whose symbol holds the ticker or whose ticker is part of it, then by edit distance between tickers; ties
 * alphabetical.
 */
export function rankSymbols (symbol: string, known: readonly string[]): string[] {
  const ticker = tickerOf(symbol)
  const score = (candidate: string): number => {
    const candidateTicker = tickerOf(candidate)
    if (candidateTicker === ticker) return 0
    if (candidate.includes(ticker) || ticker.includes(candidateTicker)) return 1
    return 2 + distance(ticker, candidateTicker)
  }
  return [...known].sort((a, b) => score(a) - score(b) || a.localeCompare(b))
}
