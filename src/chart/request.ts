/**
 * The `generate_chart` request: one body for both engines, so a user can switch engines without changing a call.
 * Field names and value sets follow Chart-IMG's v2 advanced-chart body (shared/reference/chart-img-api.md);
 * seed 004's `chartType` names are accepted as aliases of `style`.
 */
import { z } from 'zod'
import { BUNDLED_SYMBOLS } from '../market/bundled.js'
import { parseIsoTime } from '../market/iso-time.js'
import { resolveStudyAlias } from './study-aliases.js'
import { didYouMean, suggestInterval, suggestStyle, suggestSymbol } from './suggestions.js'

// Chart-IMG v2 intervals; case-sensitive: `1m` is a minute, `1M` a month.
export const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M'] as const
export type Interval = typeof INTERVALS[number]

/** Interval length in milliseconds; months and weeks are nominal (used for ordering and inference only). */
export const INTERVAL_MS: Record<Interval, number> = {
  '1m': 60_000,
  '3m': 180_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '45m': 2_700_000,
  '1h': 3_600_000,
  '2h': 7_200_000,
  '3h': 10_800_000,
  '4h': 14_400_000,
  '6h': 21_600_000,
  '12h': 43_200_000,
  '1D': 86_400_000,
  '1W': 604_800_000,
  '1M': 2_592_000_000
}

export const STYLES = ['candle', 'bar', 'line', 'area', 'heikinAshi', 'hollowCandle', 'baseline', 'hiLo', 'column'] as const
export type Style = typeof STYLES[number]

/** Styles that need open/high/low: data with closes only cannot draw them. */
export const OHLC_STYLES: readonly Style[] = ['candle', 'bar', 'heikinAshi', 'hollowCandle', 'hiLo']
/** Styles drawn from the close alone. */
export const CLOSE_STYLES: readonly Style[] = ['line', 'area', 'baseline', 'column']

/** The styles data with these fields can draw (what get_available_symbols offers per symbol). */
export function stylesFor (fields: 'ohlcv' | 'ohlc' | 'close'): Style[] {
  return fields === 'close' ? [...CLOSE_STYLES] : [...STYLES]
}

// Seed 004's chartType names → Chart-IMG style names.
export const STYLE_ALIASES = {
  candlestick: 'candle',
  heikin_ashi: 'heikinAshi',
  hollow_candle: 'hollowCandle',
  hi_lo: 'hiLo'
} as const satisfies Record<string, Style>
type StyleAlias = keyof typeof STYLE_ALIASES
const STYLE_INPUTS = [...STYLES, ...Object.keys(STYLE_ALIASES) as StyleAlias[]] as [Style | StyleAlias, ...Array<Style | StyleAlias>]

export const RANGE_PRESETS = ['1D', '5D', '1M', '3M', '6M', '1Y', '5Y', 'ALL'] as const
export type RangePreset = typeof RANGE_PRESETS[number]

export const THEMES = ['light', 'dark'] as const
export const FORMATS = ['png', 'jpeg'] as const

export const WIDTH_LIMITS = { min: 320, max: 2048, default: 800 } as const
export const HEIGHT_LIMITS = { min: 220, max: 1920, default: 600 } as const
export const MAX_STUDIES = 25
export const MAX_DRAWINGS = 25

// `[A-Z0-9._!-]` covers TradingView tickers such as `BINANCE:BTCUSDT.P` and `CME_MINI:ES1!`.
const SYMBOL_PATTERN = /^[A-Za-z0-9_.!-]{1,40}:[A-Za-z0-9_.!-]{1,40}$/

// Read as every engine reads it (src/market/iso-time.ts): a zone-less date-time is UTC, an impossible date is refused.
const isoDate = z.string().refine((s) => parseIsoTime(s) !== undefined, { message: 'must be an ISO 8601 date, e.g. 2019-01-01 or 2019-01-01T00:00:00Z' })

const timezone = z.string().max(64).refine((tz) => {
  try {
    Intl.DateTimeFormat('en-US', { timeZone: tz })
    return true
  } catch {
    return false
  }
}, { message: 'must be an IANA time zone such as Etc/UTC or America/New_York' })

const jsonScalar = z.union([z.string().max(200), z.number(), z.boolean()])

export const studySchema = z.object({
  name: z.string().min(1).max(80).describe('TradingView full study name, e.g. "Volume", "Moving Average Exponential", "Relative Strength Index", "MACD"; short names such as "RSI", "EMA 20", "SMA", "BB", "VWAP" are accepted'),
  input: z.record(z.string(), jsonScalar).optional().describe('Study inputs, e.g. {"length": 14} or {"length": 21, "source": "close"}'),
  override: z.record(z.string(), jsonScalar).optional().describe('Style overrides, e.g. {"Plot.color": "rgb(255,109,0)"}'),
  forceOverlay: z.boolean().optional().describe('Draw on the price pane instead of a pane of its own')
}).strict()
export type StudySpec = z.infer<typeof studySchema>

export const drawingSchema = z.object({
  name: z.string().min(1).max(80).describe('"Horizontal Line", "Trend Line", "Long Position" or "Short Position"'),
  input: z.record(z.string(), jsonScalar).describe('e.g. {"price": 155, "text": "Resistance"} or {"startDatetime": "...", "entryPrice": 150, "targetPrice": 160, "stopPrice": 145}'),
  override: z.record(z.string(), jsonScalar).optional()
}).strict()
export type DrawingSpec = z.infer<typeof drawingSchema>

export const rangeSchema = z.union([
  z.enum(RANGE_PRESETS),
  z.object({ from: isoDate, to: isoDate }).strict()
])
export type ChartRange = z.infer<typeof rangeSchema>

/** Raw shape for `McpServer.registerTool`'s inputSchema (kept as a shape so tools/list shows every field). */
// Messages for values outside a set: the value given, the value probably meant, then the valid ones.
const quoted = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value))
const symbolError = (issue: { input?: unknown }): string => {
  const suggestion = typeof issue.input === 'string' ? suggestSymbol(issue.input, BUNDLED_SYMBOLS.map((s) => s.symbol), SYMBOL_PATTERN) : undefined
  return `must be EXCHANGE:TICKER, e.g. NASDAQ:AAPL or SP:SPX (got ${quoted(issue.input)}).${didYouMean(suggestion)} get_available_symbols lists the symbols this server has`
}
const intervalError = (issue: { input?: unknown }): string =>
  `${quoted(issue.input)} is not an interval.${didYouMean(typeof issue.input === 'string' ? suggestInterval(issue.input, INTERVALS) : undefined)} Use one of ${INTERVALS.join(' ')} (case-sensitive: 1m = minute, 1M = month)`
const styleError = (issue: { input?: unknown }): string =>
  `${quoted(issue.input)} is not a style.${didYouMean(typeof issue.input === 'string' ? suggestStyle(issue.input, STYLES) : undefined)} Use one of ${STYLES.join(', ')}`

export const generateChartShape = {
  symbol: z.string().regex(SYMBOL_PATTERN, { error: symbolError }).describe('EXCHANGE:TICKER, e.g. SP:SPX, NASDAQ:AAPL'),
  interval: z.enum(INTERVALS, { error: intervalError }).default('1D').describe('Bar interval (case-sensitive: 1m = minute, 1M = month)'),
  style: z.enum(STYLE_INPUTS, { error: styleError }).optional().describe('Chart style (default candle)'),
  chartType: z.enum(STYLE_INPUTS, { error: styleError }).optional().describe('Alias of style, kept for seed-004 clients'),
  theme: z.enum(THEMES).default('light'),
  width: z.number().int().min(WIDTH_LIMITS.min).max(WIDTH_LIMITS.max).default(WIDTH_LIMITS.default),
  height: z.number().int().min(HEIGHT_LIMITS.min).max(HEIGHT_LIMITS.max).default(HEIGHT_LIMITS.default),
  range: rangeSchema.optional().describe('Preset (1D 5D 1M 3M 6M 1Y 5Y ALL) or {from, to} in ISO 8601'),
  timezone: timezone.optional().describe('IANA time zone for the time axis, e.g. America/New_York (default Etc/UTC)'),
  format: z.enum(FORMATS).default('png'),
  studies: z.array(studySchema).max(MAX_STUDIES).default([]),
  drawings: z.array(drawingSchema).max(MAX_DRAWINGS).default([]),
  storage: z.boolean().optional().describe('Chart-IMG engine only: return a hosted image URL instead of the image bytes')
}

export const generateChartInput = z.object(generateChartShape).strict()
export type GenerateChartArgs = z.infer<typeof generateChartInput>

/** The normalised request every engine receives. */
export interface ChartRequest {
  symbol: string
  interval: Interval
  style: Style
  theme: 'light' | 'dark'
  width: number
  height: number
  range?: ChartRange
  timezone: string
  format: 'png' | 'jpeg'
  studies: StudySpec[]
  drawings: DrawingSpec[]
  storage: boolean
}

export function normalizeStyle (value: Style | StyleAlias | undefined): Style {
  if (value === undefined) return 'candle'
  return (STYLE_ALIASES as Record<string, Style>)[value] ?? value as Style
}

/**
 * Turns parsed tool arguments into the engine request: style and study aliases resolved (`EMA 20` → Moving Average
 * Exponential, length 20), symbol upper-cased, defaults filled.
 */
export function normalizeChartRequest (args: GenerateChartArgs, defaults: { storage: boolean }): ChartRequest {
  const { chartType, style, storage, timezone, symbol, studies, ...rest } = args
  return {
    ...rest,
    studies: studies.map(resolveStudyAlias),
    symbol: symbol.toUpperCase(),
    style: normalizeStyle(style ?? chartType),
    timezone: timezone ?? 'Etc/UTC',
    storage: storage ?? defaults.storage
  }
}

export function mimeTypeOf (format: ChartRequest['format']): 'image/png' | 'image/jpeg' {
  return format === 'jpeg' ? 'image/jpeg' : 'image/png'
}

export function fileExtensionOf (format: ChartRequest['format']): 'png' | 'jpg' {
  return format === 'jpeg' ? 'jpg' : 'png'
}
