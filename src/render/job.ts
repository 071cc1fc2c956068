/**
 * The plain data a render worker receives: everything resolved on the main thread (bars already windowed and
 * transformed, studies computed and sliced, drawings validated), so the worker only lays out and draws.
 * Structured-clone friendly: numbers, strings, arrays, no functions.
 */
import type { Interval, Style } from '../chart/request.js'
import type { JobDrawing } from './drawings.js'
import type { ThemeName } from './theme.js'
import type { StudyLine } from '../indicators/studies.js'

export interface JobBars {
  /** Bar open times, ms UTC, ascending. */
  time: number[]
  open: number[]
  high: number[]
  low: number[]
  close: number[]
  /** null when the data has no volume. */
  volume: Array<number | null> | null
}

/** A study line as the worker gets it: the same shape, its `values` and `barColors` sliced to the visible bars. */
export type JobStudyLine = StudyLine

export interface JobStudy {
  name: string
  title: string
  /** 'price': drawn on the price pane; 'own': a pane of its own below it. */
  pane: 'price' | 'own'
  /** 'own' on the price pane = an overlaid study with its own hidden scale (e.g. Volume with forceOverlay). */
  scale: 'price' | 'own'
  /** Volume is laid out specially: a short pane, or the bottom fifth of the price pane when overlaid. */
  isVolume: boolean
  lines: JobStudyLine[]
  fills?: Array<{ upper: string, lower: string, color: string }>
  levels?: Array<{ value: number, label?: string, color?: string }>
  bands?: Array<{ from: number, to: number, color: string }>
  range?: { min: number, max: number }
}

export interface RenderJob {
  symbol: string
  /** e.g. "S&P 500 index" — shown after the symbol when given. */
  description?: string
  interval: Interval
  style: Style
  theme: ThemeName
  width: number
  height: number
  format: 'png' | 'jpeg'
  timezone: string
  fields: 'ohlcv' | 'ohlc' | 'close'
  bars: JobBars
  /**
   * Close of the bar just before the first drawn one, when the data has one: the header's change of a one-bar chart
   * is measured from it (the previous close, as TradingView measures a day's change), not from the bar's open.
   */
  previousClose?: number
  studies: JobStudy[]
  drawings: JobDrawing[]
  /** false hides the header legend (symbol, interval, OHLC); tests use it to prove text is drawn. Default true. */
  legend?: boolean
}

export interface RenderedImage {
  data: Buffer
  mimeType: 'image/png' | 'image/jpeg'
  width: number
  height: number
  /** Things the builder could not draw as asked (e.g. a drawing outside the visible bars). */
  notes: string[]
}
