/**
 * The market-data contract between the data layer (src/market) and the embedded renderer (src/render).
 */
import type { Interval } from '../chart/request.js'

export interface Bar {
  /** Bar open time, ms since epoch (UTC). Daily bars are at 00:00 UTC of their trading date. */
  time: number
  open: number
  high: number
  low: number
  close: number
  volume: number | null
}

export interface Series {
  symbol: string
  interval: Interval
  /** Oldest first, no duplicates. For close-only data open = high = low = close. */
  bars: Bar[]
  fields: 'ohlcv' | 'ohlc' | 'close'
  source: string
  /** What the instrument is called, for the chart's header (bundled data; user files have none). */
  name?: string
}

/** Index window [start, end) into `Series.bars` that is drawn; bars before `start` feed indicator warm-up. */
export interface BarWindow {
  start: number
  end: number
}
