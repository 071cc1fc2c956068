/**
 * Main-thread half of a local render: resolves the request against the market catalog into a RenderJob of plain
 * data. Everything that can fail because of the request (unknown symbol, interval, style for the data, study,
 * drawing) fails here, before a worker is used.
 */
import { ChartError } from '../../chart/errors.js'
import type { ChartRequest } from '../../chart/request.js'
import { computeStudy } from '../../indicators/studies.js'
import type { MarketCatalog } from '../../market/catalog.js'
import { toHeikinAshi } from '../../market/heikin-ashi.js'
import { describeInterval, joinOr } from '../../market/intervals.js'
import type { Bar, Series } from '../../market/types.js'
import { selectWindow } from '../../market/window.js'
import { parseDrawings } from '../../render/drawings.js'
import type { JobBars, JobStudy, RenderJob } from '../../render/job.js'
import { CLOSE_STYLES, OHLC_STYLES } from '../../render/price-series.js'

export interface PreparedJob {
  job: RenderJob
  /** What the engine could not honour, for the result's `notes`. */
  notes: string[]
}

export function prepareJob (request: ChartRequest, catalog: MarketCatalog): PreparedJob {
  const notes: string[] = []
  const series = catalog.getSeries(request.symbol, request.interval)
  if (series.fields === 'close' && OHLC_STYLES.includes(request.style)) {
    throw new ChartError('UNSUPPORTED_STYLE',
      `${series.symbol} has ${describeInterval(series.interval)} closes only; use style ${joinOr(CLOSE_STYLES)}`)
  }
  // Drawings are checked before any computing, so a bad one fails fast.
  const drawings = parseDrawings(request.drawings, request.theme)
  notes.push(...drawings.notes)

  const window = selectWindow(series, request.range, { width: request.width })
  // Heikin-Ashi over the whole series, so the first visible candle's open has its history. Studies use the same bars
  // the chart shows, as TradingView computes indicators on a Heikin-Ashi chart from the Heikin-Ashi values.
  const drawnSeries: Series = request.style === 'heikinAshi' ? { ...series, bars: toHeikinAshi(series.bars) } : series

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
        ...(line.lineWidth === undefined ? {} : { lineWidth: line.lineWidth })
      })),
      ...(output.fills === undefined ? {} : { fills: output.fills }),
      ...(output.levels === undefined ? {} : { levels: output.levels }),
      ...(output.bands === undefined ? {} : { bands: output.bands }),
      ...(output.range === undefined ? {} : { range: output.range })
    }
  })

  if (request.storage) notes.push('storage: hosted image URLs are a Chart-IMG feature; the embedded engine returns the image itself')

  const job: RenderJob = {
    symbol: series.symbol,
    description: shortDescription(catalog, series.symbol),
    interval: request.interval,
    style: request.style,
    theme: request.theme,
    width: request.width,
    height: request.height,
    format: request.format,
    timezone: request.timezone,
    fields: series.fields,
    bars: toJobBars(drawnSeries.bars.slice(window.start, window.end), series.fields),
    studies,
    drawings: drawings.drawings
  }
  return { job, notes }
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

/** "S&P 500 index" from the catalog's "S&P 500 index, daily, 2000–2020 (vega-datasets)". */
function shortDescription (catalog: MarketCatalog, symbol: string): string | undefined {
  const info = catalog.listSymbols({ query: symbol, limit: 20 }).symbols.find((s) => s.symbol === symbol)
  const text = info?.description?.split(',')[0]?.trim()
  return text === undefined || text === '' || text === symbol ? undefined : text
}
