/**
 * Parser for user market-data files (`EXCHANGE_TICKER.csv` in MARKET_DATA_DIR). Hand-written rather than a CSV
 * library because the format is fixed and numeric (no quoted commas), and because every rejection must name the
 * line a user has to fix. The first problem rejects the whole file: a chart drawn from half a file would mislead.
 */
import type { Interval } from '../chart/request.js'
import type { Bar, Series } from './types.js'
import { nearestInterval } from './intervals.js'
import { isDateOnly, parseIsoTime } from './iso-time.js'

export type ParsedCsv =
  | { ok: true, bars: Bar[], fields: Series['fields'], interval: Interval }
  | { ok: false, problem: string }

const COLUMN_ALIASES: Record<string, 'date' | 'open' | 'high' | 'low' | 'close' | 'volume'> = {
  date: 'date',
  time: 'date',
  datetime: 'date',
  timestamp: 'date',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume'
}

/** Parses one file's text. `fileName` prefixes every problem: "NASDAQ_FOO.csv line 12: high (9) is below low (10)". */
export function parseMarketCsv (text: string, fileName: string): ParsedCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const fail = (line: number, message: string): ParsedCsv => ({ ok: false, problem: `${fileName} line ${line}: ${message}` })

  const headerIndex = lines.findIndex((line) => line.trim() !== '')
  if (headerIndex === -1) return { ok: false, problem: `${fileName}: the file is empty; expected a header date,open,high,low,close[,volume]` }
  const header = splitRow(lines[headerIndex]).map((cell) => cell.toLowerCase())
  const columns: Partial<Record<'date' | 'open' | 'high' | 'low' | 'close' | 'volume', number>> = {}
  for (const [index, name] of header.entries()) {
    const key = COLUMN_ALIASES[name]
    if (key === undefined) continue // extra columns such as adjclose are ignored
    if (columns[key] !== undefined) return fail(headerIndex + 1, `column "${key}" appears twice`)
    columns[key] = index
  }
  const hasCandles = columns.open !== undefined || columns.high !== undefined || columns.low !== undefined
  if (columns.date === undefined || columns.close === undefined ||
    (hasCandles && (columns.open === undefined || columns.high === undefined || columns.low === undefined))) {
    return fail(headerIndex + 1, `bad header "${lines[headerIndex].trim()}"; expected date,open,high,low,close[,volume] or date,close`)
  }
  const fields: Series['fields'] = !hasCandles ? 'close' : columns.volume !== undefined ? 'ohlcv' : 'ohlc'

  const bars: Bar[] = []
  let dateOnly = true
  let previousLine = 0
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]
    if (raw.trim() === '') continue
    const lineNo = i + 1
    const cells = splitRow(raw)
    if (cells.length < header.length) return fail(lineNo, `expected ${header.length} values, found ${cells.length}`)
    const dateText = cells[columns.date]
    const time = parseIsoTime(dateText)
    if (time === undefined) return fail(lineNo, `date "${dateText}" is not YYYY-MM-DD or an ISO 8601 date-time`)
    if (!isDateOnly(dateText)) dateOnly = false

    const number = (column: 'open' | 'high' | 'low' | 'close' | 'volume'): number | string => {
      const cell = cells[columns[column] as number]
      const value = cell === '' ? Number.NaN : Number(cell)
      return Number.isFinite(value) ? value : `${column} "${cell}" is not a number`
    }
    const close = number('close')
    if (typeof close === 'string') return fail(lineNo, close)
    let open = close
    let high = close
    let low = close
    if (hasCandles) {
      const o = number('open')
      const h = number('high')
      const l = number('low')
      for (const value of [o, h, l]) if (typeof value === 'string') return fail(lineNo, value)
      open = o as number
      high = h as number
      low = l as number
      if (high < low) return fail(lineNo, `high (${high}) is below low (${low})`)
      if (high < Math.max(open, close)) return fail(lineNo, `high (${high}) is below the open or close`)
      if (low > Math.min(open, close)) return fail(lineNo, `low (${low}) is above the open or close`)
    }
    let volume: number | null = null
    if (columns.volume !== undefined) {
      const v = number('volume')
      if (typeof v === 'string') return fail(lineNo, v)
      if (v < 0) return fail(lineNo, `volume (${v}) is negative`)
      volume = v
    }
    const previous = bars[bars.length - 1]
    if (previous !== undefined && time === previous.time) return fail(lineNo, `duplicate date ${dateText} (also on line ${previousLine})`)
    if (previous !== undefined && time < previous.time) return fail(lineNo, `date ${dateText} is before the previous row's; rows must be sorted oldest first`)
    bars.push({ time, open, high, low, close, volume })
    previousLine = lineNo
  }
  if (bars.length === 0) return { ok: false, problem: `${fileName}: no data rows after the header` }
  return { ok: true, bars, fields, interval: inferInterval(bars, dateOnly) }
}

/** Native interval from the median spacing of consecutive bars (robust to weekends and holidays). */
function inferInterval (bars: Bar[], dateOnly: boolean): Interval {
  if (bars.length < 2) return '1D'
  const gaps: number[] = []
  for (let i = 1; i < bars.length; i++) gaps.push(bars[i].time - bars[i - 1].time)
  gaps.sort((a, b) => a - b)
  const interval = nearestInterval(gaps[Math.floor(gaps.length / 2)])
  // Date-only rows cannot be finer than a day, whatever their spacing.
  return dateOnly && !['1D', '1W', '1M'].includes(interval) ? '1D' : interval
}

function splitRow (line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim())
}
