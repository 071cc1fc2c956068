/**
 * A local render in two halves. The main thread resolves the request (`prepareJobInput`): everything that can fail
 * because of the request's symbol, interval, style or drawings fails there, before a worker is used, and the
 * series goes to the worker as cached Float64Array columns (a memcpy, no garbage). The worker finishes the job
 * (`completeJob`): Heikin-Ashi, studies over the whole series, slicing to the window. That work allocates a few
 * MB per chart; on the main thread its garbage collection delayed SSE heartbeats during render bursts
 * (bench/heartbeat-during-renders.ts). A study that fails in the worker (bad input) comes back as a ChartError.
 */
import { ChartError } from '../../chart/errors.js'
import { CLOSE_STYLES, INTERVALS, INTERVAL_MS, OHLC_STYLES, type ChartRequest } from '../../chart/request.js'
import { computeStudy } from '../../indicators/studies.js'
import type { MarketCatalog } from '../../market/catalog.js'
import { toHeikinAshi } from '../../market/heikin-ashi.js'
import { canResample, describeInterval, joinOr } from '../../market/intervals.js'
import { resample } from '../../market/resample.js'
import type { Bar, BarWindow, Series } from '../../market/types.js'
import { selectWindow } from '../../market/window.js'
import { parseDrawings, type JobDrawing } from '../../render/drawings.js'
import type { JobBars, JobStudy, RenderJob } from '../../render/job.js'

/** Most bars one chart draws; a longer range is drawn at a coarser interval (coarsenIfCrowded). */
export const MAX_DRAWN_BARS = 1500

export interface PreparedJob {
  job: RenderJob
  /** What the engine could not honour, for the result's `notes`. */
  notes: string[]
}

/** A series as columns; `volume` is NaN where a bar has none. Cloned to a worker as plain memory. */
export interface SeriesColumns {
  time: Float64Array
  open: Float64Array
  high: Float64Array
  low: Float64Array
  close: Float64Array
  volume: Float64Array | null
}

/** What the worker needs to finish a job: the request, the resolved series and window, the parsed drawings. */
export interface JobInput {
  request: ChartRequest
  symbol: string
  description: string | undefined
  fields: Series['fields']
  series: SeriesColumns
  window: BarWindow
  drawings: JobDrawing[]
}

// The catalog hands out the same Series object while its data is unchanged, so its columns are built once.
const columnsOf = new WeakMap<Series, SeriesColumns>()

function toColumns (series: Series): SeriesColumns {
  let columns = columnsOf.get(series)
  if (columns === undefined) {
    const { bars } = series
    const column = (pick: (bar: Bar) => number): Float64Array => Float64Array.from(bars, pick)
    columns = {
      time: column((b) => b.time),
      open: column((b) => b.open),
      high: column((b) => b.high),
      low: column((b) => b.low),
      close: column((b) => b.close),
      volume: series.fields === 'ohlcv' ? column((b) => b.volume ?? Number.NaN) : null
    }
    columnsOf.set(series, columns)
  }
  return columns
}

function toBars (columns: SeriesColumns): Bar[] {
  const bars: Bar[] = new Array(columns.time.length)
  for (let i = 0; i < bars.length; i++) {
    const volume = columns.volume?.[i]
    bars[i] = {
      time: columns.time[i],
      open: columns.open[i],
      high: columns.high[i],
      low: columns.low[i],
      close: columns.close[i],
      volume: volume === undefined || Number.isNaN(volume) ? null : volume
    }
  }
  return bars
}

/** Main thread: checks the request against its series and gathers what the worker needs. Cheap, and throws early. */
export function prepareJobInput (request: ChartRequest, series: Series): { input: JobInput, notes: string[] } {
  const notes: string[] = []
  if (series.fields === 'close' && OHLC_STYLES.includes(request.style)) {
    throw new ChartError('UNSUPPORTED_STYLE',
      `${series.symbol} has ${describeInterval(series.interval)} closes only (no open, high or low), so style ${request.style} cannot be drawn; ` +
      `use style ${joinOr(CLOSE_STYLES)} (get_available_symbols lists each symbol's styles)`)
  }
  const drawings = parseDrawings(request.drawings, request.theme)
  notes.push(...drawings.notes)
  const drawn = coarsenIfCrowded(request, series, notes)
  return {
    input: {
      request: drawn.request,
      symbol: drawn.series.symbol,
      description: drawn.series.name,
      fields: drawn.series.fields,
      series: toColumns(drawn.series),
      window: drawn.window,
      drawings: drawings.drawings
    },
    notes
  }
}

/**
 * A range that would draw more than MAX_DRAWN_BARS bars (1D over twenty years: 5,104) is drawn at the finest coarser
 * interval that fits, as TradingView's automatic interval does, and a note says so; beyond about 1,500 bars an
 * 800-pixel chart shows a smear, not candles.
 */
function coarsenIfCrowded (request: ChartRequest, series: Series, notes: string[]): { request: ChartRequest, series: Series, window: BarWindow } {
  const window = selectWindow(series, request.range, { width: request.width })
  const count = window.end - window.start
  if (count <= MAX_DRAWN_BARS) return { request, series, window }
  let best = { request, series, window }
  for (const interval of INTERVALS) {
    if (INTERVAL_MS[interval] <= INTERVAL_MS[request.interval] || !canResample(series.interval, interval)) continue
    // Resampled from the series in hand: it may come from a provider, not only the offline catalog.
    const coarser: Series = { ...series, interval, bars: resample(series.bars, series.interval, interval) }
    best = { request: { ...request, interval }, series: coarser, window: selectWindow(coarser, request.range, { width: request.width }) }
    if (best.window.end - best.window.start <= MAX_DRAWN_BARS) break
  }
  if (best.series !== series) {
    const range = request.range === undefined ? 'the default range' : typeof request.range === 'string' ? `range ${request.range}` : `range ${request.range.from} to ${request.range.to}`
    notes.push(`interval: ${range} at ${request.interval} would draw ${count.toLocaleString('en-US')} bars; drawn at ${best.request.interval} ` +
      `(${(best.window.end - best.window.start).toLocaleString('en-US')} bars) so each bar stays visible. Ask for a shorter range to see ${request.interval} bars.`)
  }
  return best
}

/** Worker: studies, Heikin-Ashi and the window's bars, as plain data for the renderer. */
export function completeJob (input: JobInput): PreparedJob {
  const { request, window } = input
  const notes: string[] = []
  const bars = toBars(input.series)
  // Heikin-Ashi over the whole series, so the first visible candle's open has its history. Studies use the same bars
  // the chart shows, as TradingView computes indicators on a Heikin-Ashi chart from the Heikin-Ashi values.
  const drawnBars = request.style === 'heikinAshi' ? toHeikinAshi(bars) : bars
  const drawnSeries: Series = { symbol: input.symbol, interval: request.interval, bars: drawnBars, fields: input.fields, source: '' }

  const studies: JobStudy[] = request.studies.map((spec) => {
    const output = computeStudy(spec, drawnSeries, request.theme)
    notes.push(...output.notes)
    return {
      name: output.name,
      title: output.title,
      pane: output.pane,
      scale: output.scale,
      isVolume: output.name.trim().toLowerCase() === 'volume',
      lines: output.lines.map((line) => ({
        label: line.label,
        values: line.values.slice(window.start, window.end),
        kind: line.kind,
        color: line.color,
        ...(line.barColors === undefined ? {} : { barColors: line.barColors.slice(window.start, window.end) }),
        ...(line.lineWidth === undefined ? {} : { lineWidth: line.lineWidth }),
        ...(line.colorOverridden === true ? { colorOverridden: true } : {})
      })),
      ...(output.fills === undefined ? {} : { fills: output.fills }),
      ...(output.levels === undefined ? {} : { levels: output.levels }),
      ...(output.bands === undefined ? {} : { bands: output.bands }),
      ...(output.range === undefined ? {} : { range: output.range })
    }
  })

  if (request.storage) notes.push('storage: hosted image URLs are a Chart-IMG feature; the embedded engine returns the image itself')

  const job: RenderJob = {
    symbol: input.symbol,
    description: input.description,
    interval: request.interval,
    style: request.style,
    theme: request.theme,
    width: request.width,
    height: request.height,
    format: request.format,
    timezone: request.timezone,
    fields: input.fields,
    bars: toJobBars(drawnBars.slice(window.start, window.end), input.fields),
    ...(window.start > 0 ? { previousClose: drawnBars[window.start - 1].close } : {}),
    studies,
    drawings: input.drawings
  }
  return { job, notes }
}

/** Both halves in one thread, over the offline catalog (tests, the gallery script). */
export function prepareJob (request: ChartRequest, catalog: MarketCatalog): PreparedJob {
  const { input, notes } = prepareJobInput(request, catalog.getSeries(request.symbol, request.interval))
  const done = completeJob(input)
  return { job: done.job, notes: [...notes, ...done.notes] }
}

function toJobBars (bars: readonly Bar[], fields: Series['fields']): JobBars {
  return {
    time: bars.map((b) => b.time),
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: fields === 'ohlcv' ? bars.map((b) => b.volume) : null
  }
}
