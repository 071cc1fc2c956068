/**
 * Chart-IMG drawings (shared/reference/chart-img-api.md: `{ name, input, override? }`) checked and turned into plain
 * data the render worker draws. Runs on the main thread before a job is queued, so a bad drawing fails at once with
 * an error naming the drawing and the field. Inputs and overrides follow TradingView's line-tool names
 * (`linecolor`, `linewidth`, `linestyle` 0 solid / 1 dotted / 2 dashed, `textcolor`, `fontsize`, `bold`,
 * `profitBackground`, `stopBackground`…); keys are matched case- and punctuation-insensitively.
 */
import { ChartError } from '../chart/errors.js'
import type { DrawingSpec } from '../chart/request.js'
import { parseColor, withAlpha } from '../indicators/colors.js'
import { normalizeKey } from '../indicators/inputs.js'
import { parseIsoTime } from '../market/iso-time.js'
import { THEME_COLORS, type ThemeName } from './theme.js'

export const SUPPORTED_DRAWINGS = ['Horizontal Line', 'Trend Line', 'Long Position', 'Short Position'] as const

export type LineDash = 'solid' | 'dotted' | 'dashed'

export interface DrawingLook {
  color: string
  width: number
  dash: LineDash
  textColor: string
  fontSize: number
  bold: boolean
  showLabel: boolean
}

export interface PricePoint { time: number, price: number }

export type JobDrawing =
  | { kind: 'horizontal', label: string, price: number, text: string | null, look: DrawingLook }
  | { kind: 'trend', label: string, start: PricePoint, end: PricePoint, text: string | null, look: DrawingLook }
  | {
    kind: 'position'
    label: string
    side: 'long' | 'short'
    startTime: number
    /** null: the default width (a fifth of the visible bars, at least 8). */
    endTime: number | null
    entry: number
    target: number
    stop: number
    text: string | null
    look: DrawingLook
    profitFill: string
    lossFill: string
  }

type Scalar = string | number | boolean

type Kind = 'horizontal' | 'trend' | 'long' | 'short'
const KINDS: Record<string, Kind> = { horizontalline: 'horizontal', trendline: 'trend', longposition: 'long', shortposition: 'short' }

const INPUT_KEYS: Record<Kind, string[]> = {
  horizontal: ['price', 'text'],
  trend: ['startDatetime', 'startPrice', 'endDatetime', 'endPrice', 'text'],
  long: ['startDatetime', 'endDatetime', 'entryPrice', 'targetPrice', 'stopPrice', 'text'],
  short: ['startDatetime', 'endDatetime', 'entryPrice', 'targetPrice', 'stopPrice', 'text']
}

const LINE_OVERRIDES = ['lineColor', 'color', 'lineWidth', 'lineStyle', 'textColor', 'fontSize', 'bold', 'showLabel']
const POSITION_OVERRIDES = [...LINE_OVERRIDES, 'profitBackground', 'profitBackgroundTransp', 'stopBackground', 'stopBackgroundTransp']

/** Validates every drawing; throws ChartError INVALID_REQUEST naming the drawing and field. Ignored keys become notes. */
export function parseDrawings (specs: readonly DrawingSpec[], theme: ThemeName): { drawings: JobDrawing[], notes: string[] } {
  const notes: string[] = []
  const drawings = specs.map((spec, index) => parseDrawing(spec, index, theme, notes))
  return { drawings, notes }
}

function parseDrawing (spec: DrawingSpec, index: number, theme: ThemeName, notes: string[]): JobDrawing {
  const kind = KINDS[normalizeKey(spec.name)]
  if (kind === undefined) {
    throw new ChartError('INVALID_REQUEST', `drawings[${index}]: "${spec.name}" is not a drawing the embedded engine knows; supported drawings: ${SUPPORTED_DRAWINGS.join(', ')}`)
  }
  const label = `drawings[${index}] (${spec.name})`
  const input = byKey(spec.input ?? {}, INPUT_KEYS[kind], label, 'input', notes)
  const fail = (field: string, what: string, value?: Scalar): never => {
    const got = value === undefined ? 'it is missing' : `got ${JSON.stringify(value)}`
    throw new ChartError('INVALID_REQUEST', `${label}: input.${field} must be ${what} (${got})`)
  }
  const price = (field: string): number => {
    const value = input.get(field)
    const parsed = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN
    if (!Number.isFinite(parsed)) return fail(field, 'a finite number', value)
    return parsed
  }
  const datetime = (field: string): number => {
    const value = input.get(field)
    const parsed = typeof value === 'string' ? parseIsoTime(value) : undefined
    if (parsed === undefined) return fail(field, 'an ISO 8601 date or datetime such as 2019-01-01 or 2019-01-01T14:30:00Z', value)
    return parsed
  }
  const text = (): string | null => {
    const value = input.get('text')
    if (value === undefined || value === '') return null
    return String(value).slice(0, 200)
  }
  const colors = THEME_COLORS[theme]
  const overrideKeys = kind === 'long' || kind === 'short' ? POSITION_OVERRIDES : LINE_OVERRIDES
  const override = byKey(spec.override ?? {}, overrideKeys, label, 'override', notes)
  const look = readLook(override, kind === 'long' || kind === 'short' ? colors.mutedText : colors.drawing, colors.text, label, notes)

  switch (kind) {
    case 'horizontal':
      return { kind: 'horizontal', label: spec.name, price: price('price'), text: text(), look }
    case 'trend': {
      const start = { time: datetime('startDatetime'), price: price('startPrice') }
      const end = { time: datetime('endDatetime'), price: price('endPrice') }
      if (start.time === end.time) throw new ChartError('INVALID_REQUEST', `${label}: input.startDatetime and input.endDatetime must differ`)
      return { kind: 'trend', label: spec.name, start, end, text: text(), look }
    }
    case 'long':
    case 'short': {
      const startTime = datetime('startDatetime')
      const endTime = input.has('endDatetime') ? datetime('endDatetime') : null
      if (endTime !== null && endTime <= startTime) {
        throw new ChartError('INVALID_REQUEST', `${label}: input.endDatetime must be after input.startDatetime`)
      }
      const entry = price('entryPrice')
      const target = price('targetPrice')
      const stop = price('stopPrice')
      const ordered = kind === 'long' ? stop < entry && entry < target : target < entry && entry < stop
      if (!ordered) {
        const rule = kind === 'long' ? 'stopPrice < entryPrice < targetPrice' : 'targetPrice < entryPrice < stopPrice'
        throw new ChartError('INVALID_REQUEST', `${label}: a ${kind} position needs ${rule} (got stopPrice ${stop}, entryPrice ${entry}, targetPrice ${target})`)
      }
      return {
        kind: 'position',
        label: spec.name,
        side: kind,
        startTime,
        endTime,
        entry,
        target,
        stop,
        text: text(),
        look,
        profitFill: fillColor(override, 'profitBackground', colors.profitFill, label, notes),
        lossFill: fillColor(override, 'stopBackground', colors.lossFill, label, notes)
      }
    }
  }
}

/** Maps given keys onto canonical names (case/punctuation-insensitive); unknown keys become notes. */
function byKey (given: Record<string, Scalar>, known: readonly string[], label: string, what: 'input' | 'override', notes: string[]): Map<string, Scalar> {
  const out = new Map<string, Scalar>()
  for (const [key, value] of Object.entries(given)) {
    const canonical = known.find((k) => normalizeKey(k) === normalizeKey(key))
    if (canonical === undefined) {
      notes.push(`${label}: ${what} "${key}" is not supported by the embedded engine and was ignored (supported: ${known.join(', ')})`)
      continue
    }
    out.set(canonical, value)
  }
  return out
}

function readLook (override: Map<string, Scalar>, defaultColor: string, defaultText: string, label: string, notes: string[]): DrawingLook {
  const ignored = (key: string, why: string): void => { notes.push(`${label}: override "${key}" ${why}; default kept`) }
  const color = (key: string): string | undefined => {
    if (!override.has(key)) return undefined
    const parsed = parseColor(override.get(key))
    if (parsed === undefined) ignored(key, 'is not a colour (use #rrggbb, rgb(r,g,b), rgba(r,g,b,a) or a CSS name)')
    return parsed
  }
  const integer = (key: string, min: number, max: number): number | undefined => {
    const value = override.get(key)
    if (value === undefined) return undefined
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value
    ignored(key, `must be an integer from ${min} to ${max}`)
    return undefined
  }
  const flag = (key: string): boolean | undefined => {
    const value = override.get(key)
    if (value === undefined) return undefined
    if (typeof value === 'boolean') return value
    ignored(key, 'must be true or false')
    return undefined
  }
  const lineColor = color('lineColor') ?? color('color') ?? defaultColor
  let dash: LineDash = 'solid'
  const style = override.get('lineStyle')
  if (style !== undefined) {
    const named: Record<string, LineDash> = { 0: 'solid', 1: 'dotted', 2: 'dashed', solid: 'solid', dotted: 'dotted', dashed: 'dashed' }
    const parsed = named[String(style).toLowerCase()]
    if (parsed === undefined) ignored('lineStyle', 'must be 0 (solid), 1 (dotted) or 2 (dashed)')
    else dash = parsed
  }
  return {
    color: lineColor,
    width: integer('lineWidth', 1, 10) ?? 2,
    dash,
    textColor: color('textColor') ?? (override.has('lineColor') || override.has('color') ? lineColor : defaultText),
    fontSize: integer('fontSize', 8, 40) ?? 12,
    bold: flag('bold') ?? false,
    showLabel: flag('showLabel') ?? true
  }
}

/** A zone colour with TradingView's optional `<name>Transp` (0 opaque … 100 invisible). */
function fillColor (override: Map<string, Scalar>, key: string, fallback: string, label: string, notes: string[]): string {
  let color = fallback
  if (override.has(key)) {
    const parsed = parseColor(override.get(key))
    if (parsed === undefined) notes.push(`${label}: override "${key}" is not a colour; default kept`)
    else color = parsed.startsWith('#') ? withAlpha(parsed, 0.2) : parsed
  }
  const transp = override.get(`${key}Transp`)
  if (transp !== undefined) {
    if (typeof transp === 'number' && transp >= 0 && transp <= 100) color = setAlpha(color, 1 - transp / 100)
    else notes.push(`${label}: override "${key}Transp" must be a number from 0 to 100; default kept`)
  }
  return color
}

function setAlpha (color: string, alpha: number): string {
  if (color.startsWith('#')) return withAlpha(color, alpha)
  return color.replace(/rgba?\(([^,]+),([^,]+),([^,)]+)(,[^)]*)?\)/, `rgba($1,$2,$3,${Math.round(alpha * 1000) / 1000})`)
}
