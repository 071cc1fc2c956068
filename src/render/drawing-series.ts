/**
 * Drawings on the price pane. A horizontal line is a markLine on the main price series (its price tag sits on the
 * price axis like TradingView's); a trend line and long/short positions are ECharts custom series, which can place
 * lines, shaded zones and labels at fractional bar positions (a datetime between two bars).
 */
import type { CustomSeriesRenderItem, SeriesOption } from 'echarts'
import type { JobDrawing, DrawingLook, LineDash } from './drawings.js'
import { formatPrice } from './format.js'
import type { ChartTheme } from './theme.js'
import { FONT_FAMILY } from './theme.js'

export interface DrawingParts {
  /** Items to append to the main price series' markLine.data. */
  markLines: Array<Record<string, unknown>>
  series: SeriesOption[]
  /** Text of horizontal and trend lines, placed by the option builder where it stays readable (drawing-labels.ts). */
  labels: DrawingLabel[]
  notes: string[]
}

/** A drawing's text and the line it belongs to, in data coordinates (fractional bar index, price). */
export interface DrawingLabel {
  name: string
  text: string
  look: DrawingLook
  /** A horizontal line spans the plot at `from.price`; a trend line runs from `from` to `to`. */
  kind: 'horizontal' | 'trend'
  from: { x: number, price: number }
  to: { x: number, price: number }
}

const Z_DRAWING = 10

const dashOf = (dash: LineDash, width: number): number[] | undefined =>
  dash === 'solid' ? undefined : dash === 'dotted' ? [width, width * 2] : [width * 4, width * 3]
export const fontOf = (look: DrawingLook, size = look.fontSize): string => `${look.bold ? 'bold ' : ''}${size}px ${FONT_FAMILY}`

/** Every price a drawing is drawn at (the price axis should include them when they are near the data). */
export function drawingPrices (drawing: JobDrawing): number[] {
  switch (drawing.kind) {
    case 'horizontal': return [drawing.price]
    case 'trend': return [drawing.start.price, drawing.end.price]
    case 'position': return [drawing.entry, drawing.target, drawing.stop]
  }
}

/** Fractional bar index of a time: interpolated between bars, extrapolated at the average bar spacing outside. */
export function timeToIndex (times: readonly number[], t: number): number {
  const n = times.length
  if (n === 1) return 0
  const step = (times[n - 1] - times[0]) / (n - 1)
  if (t <= times[0]) return (t - times[0]) / step
  if (t >= times[n - 1]) return n - 1 + (t - times[n - 1]) / step
  let lo = 0
  let hi = n - 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1
    if (times[mid] <= t) lo = mid
    else hi = mid
  }
  return lo + (t - times[lo]) / (times[hi] - times[lo])
}

/** The band of the price pane a drawing's text may use, in chart pixels: below the legend lines, above the pane's bottom. */
export interface TextBand { top: number, bottom: number }

export function buildDrawings (drawings: readonly JobDrawing[], times: readonly number[], decimals: number, colors: ChartTheme, band: TextBand = { top: 0, bottom: Infinity }): DrawingParts {
  const parts: DrawingParts = { markLines: [], series: [], labels: [], notes: [] }
  const n = times.length
  const visible = (a: number, b: number): boolean => Math.max(a, b) >= -0.5 && Math.min(a, b) <= n - 0.5
  drawings.forEach((drawing, index) => {
    const name = `drawings[${index}] (${drawing.label})`
    switch (drawing.kind) {
      case 'horizontal': {
        const { look } = drawing
        parts.markLines.push({
          name: `drawing-${index}`,
          yAxis: drawing.price,
          lineStyle: { color: look.color, width: look.width, type: dashOf(look.dash, look.width) ?? 'solid', opacity: 1 },
          label: { show: false }
        }, {
          name: `drawing-${index}-tag`,
          yAxis: drawing.price,
          // Width 0, not opacity 0: a markLine label inherits its line's opacity.
          lineStyle: { width: 0, color: look.color },
          label: priceTag(formatPrice(drawing.price, decimals), look.color, colors.tagText)
        })
        if (drawing.text !== null && look.showLabel) {
          parts.labels.push({ name: `drawing-${index}-label`, text: drawing.text, look, kind: 'horizontal', from: { x: 0, price: drawing.price }, to: { x: n - 1, price: drawing.price } })
        }
        return
      }
      case 'trend': {
        const x1 = timeToIndex(times, drawing.start.time)
        const x2 = timeToIndex(times, drawing.end.time)
        if (!visible(x1, x2)) {
          parts.notes.push(`${name}: lies outside the visible bars; not visible (widen the range to see it)`)
          return
        }
        parts.series.push(customSeries(`drawing-${index}`, x1, drawing.start.price, trendRenderer(drawing, x1, x2)))
        if (drawing.text !== null && drawing.look.showLabel) {
          parts.labels.push({ name: `drawing-${index}-label`, text: drawing.text, look: drawing.look, kind: 'trend', from: { x: x1, price: drawing.start.price }, to: { x: x2, price: drawing.end.price } })
        }
        return
      }
      case 'position': {
        const x1 = timeToIndex(times, drawing.startTime)
        const x2 = drawing.endTime === null ? Math.min(x1 + Math.max(8, Math.round(n / 5)), n - 0.5) : timeToIndex(times, drawing.endTime)
        if (!visible(x1, x2) || x2 <= x1) {
          parts.notes.push(`${name}: lies outside the visible bars; not visible (widen the range to see it)`)
          return
        }
        parts.series.push(customSeries(`drawing-${index}`, x1, drawing.entry, positionRenderer(drawing, x1, x2, decimals, colors, band)))
      }
    }
  })
  return parts
}

export function priceTag (text: string, background: string, color: string): Record<string, unknown> {
  return { show: true, position: 'end', formatter: () => text, backgroundColor: background, color, padding: [2, 4], fontSize: 11, fontFamily: FONT_FAMILY, distance: 1 }
}

/** Children are plain zrender element options; ECharts' typings model each element kind separately. */
function group (children: Array<Record<string, unknown>>): ReturnType<CustomSeriesRenderItem> {
  return { type: 'group', children } as unknown as ReturnType<CustomSeriesRenderItem>
}

function customSeries (name: string, x: number, price: number, renderItem: CustomSeriesRenderItem): SeriesOption {
  return {
    type: 'custom',
    name,
    xAxisIndex: 0,
    yAxisIndex: 0,
    z: Z_DRAWING,
    clip: true,
    silent: true,
    renderItem,
    encode: { x: 0, y: 1 },
    // One item anchors the drawing; renderItem draws it whole from the closure.
    data: [[Math.max(0, Math.round(x)), price]]
  }
}

function trendRenderer (drawing: Extract<JobDrawing, { kind: 'trend' }>, x1: number, x2: number): CustomSeriesRenderItem {
  const { look } = drawing
  // The line only: its text is a label the option builder places (DrawingParts.labels).
  return (_params, api) => {
    const a = api.coord([x1, drawing.start.price])
    const b = api.coord([x2, drawing.end.price])
    return group([{
      type: 'line',
      shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] },
      style: { stroke: look.color, lineWidth: look.width, lineDash: dashOf(look.dash, look.width) }
    }])
  }
}

function positionRenderer (drawing: Extract<JobDrawing, { kind: 'position' }>, x1: number, x2: number, decimals: number, colors: ChartTheme, band: TextBand): CustomSeriesRenderItem {
  const { look, entry, target, stop } = drawing
  const long = drawing.side === 'long'
  const percent = (value: number): string => `${(Math.abs(value - entry) / entry * 100).toFixed(2)}%`
  const riskReward = Math.abs(target - entry) / Math.abs(entry - stop)
  const targetText = `Target: ${formatPrice(target, decimals)} (${percent(target)})`
  const stopText = `Stop: ${formatPrice(stop, decimals)} (${percent(stop)})`
  const entryText = `${long ? 'Long' : 'Short'} ${formatPrice(entry, decimals)} · R/R ${riskReward.toFixed(2)}${drawing.text === null ? '' : ` · ${drawing.text}`}`
  const label = (text: string, x: number, y: number, verticalAlign: 'top' | 'bottom' | 'middle', background: string): Record<string, unknown> => ({
    type: 'text',
    x,
    y,
    z2: 2,
    style: { text, fill: colors.tagText, font: fontOf(look, look.fontSize - 1), align: 'center', verticalAlign, backgroundColor: background, padding: [2, 5], borderRadius: 2 }
  })
  return (_params, api) => {
    const [left, yEntry] = api.coord([x1, entry])
    const right = api.coord([x2, entry])[0]
    const yTarget = api.coord([x1, target])[1]
    const yStop = api.coord([x1, stop])[1]
    const width = Math.max(1, right - left)
    const middle = left + width / 2
    const zone = (y1: number, y2: number, fill: string): Record<string, unknown> =>
      ({ type: 'rect', shape: { x: left, y: Math.min(y1, y2), width, height: Math.max(1, Math.abs(y2 - y1)) }, style: { fill } })
    const children: Array<Record<string, unknown>> = [
      zone(yEntry, yTarget, drawing.profitFill),
      zone(yEntry, yStop, drawing.lossFill),
      { type: 'line', shape: { x1: left, y1: yEntry, x2: right, y2: yEntry }, style: { stroke: look.color, lineWidth: 1, lineDash: dashOf(look.dash, 1) } }
    ]
    if (look.showLabel) {
      // Target label outside the profit zone's far edge, stop label outside the loss zone's, entry label on the line.
      // An edge label that would run into the legend lines or off the pane goes just inside its zone instead.
      const height = Math.ceil((look.fontSize - 1) * 1.2) + 4
      const edge = (text: string, y: number, up: boolean, background: string): Record<string, unknown> => {
        const outside = up ? y - 3 - height >= band.top : y + 3 + height <= band.bottom
        return up === outside ? label(text, middle, y - 3, 'bottom', background) : label(text, middle, y + 3, 'top', background)
      }
      children.push(
        edge(targetText, yTarget, long, colors.up),
        edge(stopText, yStop, !long, colors.down),
        label(entryText, middle, yEntry, 'middle', look.color)
      )
    }
    return group(children)
  }
}
