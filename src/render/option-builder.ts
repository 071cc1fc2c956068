/**
 * RenderJob → ECharts option. Pure and synchronous: the render worker feeds the option to ECharts' SSR renderer,
 * and tests inspect it directly (grids, axes, series) without rasterising.
 *
 * Layout (TradingView's): the price pane on top with the header legend and overlay legends inside it, one pane per
 * own-pane study below it, every pane sharing the bar slots of one category x-axis and a price-axis column on the
 * right; time labels under the last pane only.
 */
import type { EChartsOption, SeriesOption, XAXisComponentOption, YAXisComponentOption, GridComponentOption } from 'echarts'
import { ChartError } from '../chart/errors.js'
import { withAlpha } from '../indicators/colors.js'
import type { JobStudy, RenderJob } from './job.js'
import { buildDrawings, drawingPrices, priceTag } from './drawing-series.js'
import { formatChange, formatCompact, formatPrice, formatStudyValue, priceDecimals } from './format.js'
import { layoutPanes, paddedExtent, type ChartLayout, type OwnPaneKind, type PaneRect } from './layout.js'
import { placeDrawingLabels, type Box, type PaneGeometry, type Span } from './drawing-labels.js'
import { legendLine, legendLineWidth, type LegendPiece } from './legend.js'
import { CLOSE_STYLES } from '../chart/request.js'
import { buildPriceSeries, priceExtent } from './price-series.js'
import { coveredByTag, placeTags } from './price-tags.js'
import { withDistinctColors } from './study-colors.js'
import { buildStudySeries, lastValue, studyExtent } from './study-series.js'
import { measureText } from './text-measure.js'
import { FONT_FAMILY, THEME_COLORS, type ChartTheme } from './theme.js'
import { buildTimeLabels, TIME_LABEL_FONT } from './time-axis.js'

export interface BuiltOption {
  option: EChartsOption
  layout: ChartLayout
  /** Things drawn differently from what was asked (a drawing outside the visible bars…). */
  notes: string[]
}

const AXIS_FONT = 11
const HEADER_FONT = 13
const LEGEND_FONT = 12
const PANE_FONT = 11
const LEGEND_X = 5
const LEGEND_TOP = 6
const HEADER_LINE = 19
const LEGEND_LINE = 17
const PANE_LINE = 15
/** Overlaid volume keeps to the bottom fifth of the price pane, as TradingView draws it. */
const OVERLAY_VOLUME_SHARE = 0.2

interface OwnPane { study: JobStudy, rect: PaneRect, grid: number, extent: [number, number], kind: OwnPaneKind }

export function buildChartOption (job: RenderJob): BuiltOption {
  const colors = THEME_COLORS[job.theme]
  const { bars } = job
  const n = bars.close.length
  if (n === 0) throw new ChartError('INVALID_REQUEST', `${job.symbol} has no bars in the requested range`)
  const notes: string[] = []
  const decimals = priceDecimals(bars.close)
  const showLegend = job.legend !== false

  const drawn = job.studies.filter((s) => s.lines.length > 0)
  const onPricePane = withDistinctColors(drawn.filter((s) => s.pane === 'price'), priceSeriesColors(job.style, colors))
  const overlays = onPricePane.filter((s) => s.scale === 'price')
  const ownScaleOverlays = onPricePane.filter((s) => s.scale === 'own')
  const ownStudies = drawn.filter((s) => s.pane === 'own')

  // Price extent: the style's values, price-scale overlays, and drawings near the data.
  const styleExtent = priceExtent(job.style, bars)
  let [lo, hi] = styleExtent
  for (const study of overlays) {
    const e = studyExtent(study)
    if (e !== null) [lo, hi] = [Math.min(lo, e[0]), Math.max(hi, e[1])]
  }
  const dataSpan = Math.max(hi - lo, Math.abs(hi) * 0.01)
  for (const [index, drawing] of job.drawings.entries()) {
    for (const p of drawingPrices(drawing)) {
      if (p >= styleExtent[0] - dataSpan && p <= styleExtent[1] + dataSpan) {
        lo = Math.min(lo, p)
        hi = Math.max(hi, p)
      } else {
        notes.push(`drawings[${index}] (${drawing.label}): price ${p} is far outside the prices shown (${formatPrice(styleExtent[0], decimals)}–${formatPrice(styleExtent[1], decimals)}); the axis was not stretched to it`)
      }
    }
  }

  // One right-hand axis column wide enough for the longest label of any pane.
  const ownExtents = ownStudies.map((s): [number, number] => s.range === undefined ? (studyExtent(s) ?? [0, 1]) : [s.range.min, s.range.max])
  const axisTexts = [formatPrice(hi, decimals), formatPrice(lo, decimals), ...ownExtents.flatMap((e) => e.map(axisValue))]
  const axisWidth = Math.ceil(Math.max(...axisTexts.map((t) => measureText(t, AXIS_FONT))) + 16)
  const layout = layoutPanes(job.width, job.height, ownStudies.map((s) => (s.isVolume ? 'volume' : 'oscillator')), Math.max(48, axisWidth))

  const overlayLegendLines = overlays.length + ownScaleOverlays.filter((s) => !s.isVolume).length
  // The room is kept even when the legend is hidden, so `legend: false` changes nothing but the text.
  const legendBottom = LEGEND_TOP + HEADER_LINE + overlayLegendLines * LEGEND_LINE
  // Overlaid volume keeps the bottom of the pane to itself: prices stop above it instead of being drawn over by it.
  const overlaidVolume = ownScaleOverlays.some((s) => s.isVolume)
  const priceBottomPad = overlaidVolume ? Math.ceil(layout.price.height * OVERLAY_VOLUME_SHARE) + 6 : 10
  const [priceMin, priceMax] = paddedExtent(lo, hi, layout.price.height, legendBottom + 10, priceBottomPad)
  const baseY = layout.price.top + (priceMax - bars.close[0]) / (priceMax - priceMin) * layout.price.height
  const price = buildPriceSeries(job.style, bars, colors, { y: baseY, chartHeight: job.height })

  // A few empty slots after the last bar keep it clear of the price axis, as TradingView's right margin does.
  const categories = [...bars.time.map(String), ...Array.from({ length: rightMarginBars(n) }, (_, i) => `after-${i}`)]
  const labels = buildTimeLabels(bars.time, job.interval, job.timezone, layout.plotWidth, categories.length)
  const labelled = new Set(labels.indices)

  const grids: GridComponentOption[] = []
  const xAxes: XAXisComponentOption[] = []
  const yAxes: YAXisComponentOption[] = []
  const series: SeriesOption[] = []
  const graphics: Array<Record<string, unknown>> = []

  const panes = [layout.price, ...layout.panes]
  panes.forEach((rect, index) => {
    const bottom = index === panes.length - 1
    grids.push({ left: layout.left, right: layout.right, top: rect.top, height: rect.height, show: true, borderColor: colors.border, borderWidth: 1, backgroundColor: 'transparent' })
    xAxes.push({
      type: 'category',
      gridIndex: index,
      data: categories,
      boundaryGap: true,
      axisLine: { show: bottom, lineStyle: { color: colors.border } },
      axisTick: { show: false },
      axisLabel: {
        show: bottom,
        interval: (i: number) => labelled.has(i),
        formatter: (_value: string, i: number) => labels.text.get(i) ?? '',
        color: colors.mutedText,
        fontSize: TIME_LABEL_FONT,
        fontFamily: FONT_FAMILY,
        margin: 7
      },
      splitLine: { show: true, interval: (i: number) => labelled.has(i), lineStyle: { color: colors.grid, width: 1 } }
    })
  })

  const main = { ...price } as Record<string, unknown>
  const last = bars.close[n - 1]
  const lastUp = last >= previousClose(job)
  const tagColor = lastUp ? colors.up : colors.down
  const drawingParts = buildDrawings(job.drawings, bars.time, decimals, colors, { top: layout.price.top + legendBottom + 2, bottom: layout.price.top + layout.price.height })
  notes.push(...drawingParts.notes)
  const lastPrice: Record<string, unknown> = { name: 'last-price', yAxis: last, lineStyle: { color: tagColor, type: 'dotted', width: 1 }, label: priceTag(formatPrice(last, decimals), tagColor, colors.tagText) }
  // Price tags: moved apart where they would overlap, and the axis labels under them hidden.
  const priceY = (p: number): number => layout.price.top + (priceMax - p) / (priceMax - priceMin) * layout.price.height
  const tags = [lastPrice, ...drawingParts.markLines.filter((m) => String(m.name).endsWith('-tag'))]
  const tagYs = placeTags(tags.map((tag, i) => ({ y: priceY(tag.yAxis as number), fixed: i === 0 })))
  tags.forEach((tag, i) => {
    const dy = tagYs[i] - priceY(tag.yAxis as number)
    if (Math.abs(dy) >= 0.5) tag.label = { ...(tag.label as Record<string, unknown>), offset: [0, dy] }
  })

  // Price pane: axis 0.
  yAxes.push(valueAxis(0, priceMin, priceMax, layout.price.height, colors, (v) => formatPrice(v, decimals), Math.max(2, Math.round(layout.price.height / 70)), (v) => coveredByTag(priceY(v), tagYs)))
  const existing = main.markLine as { data?: unknown[] } | undefined
  main.markLine = {
    silent: true,
    symbol: 'none',
    precision: decimals,
    label: { show: false },
    lineStyle: { color: colors.mutedText, type: 'dashed', width: 1 },
    ...(existing ?? {}),
    data: [
      ...(existing?.data ?? []),
      lastPrice,
      ...drawingParts.markLines
    ]
  }
  series.push(main as SeriesOption)

  overlays.forEach((study, i) => series.push(...buildStudySeries(study, { xAxisIndex: 0, yAxisIndex: 0 }, `overlay-${i}`)))

  // Own-scale studies drawn on the price pane get a hidden axis each.
  ownScaleOverlays.forEach((study, i) => {
    const extent = studyExtent(study) ?? [0, 1]
    const axisIndex = yAxes.length
    if (study.isVolume) {
      yAxes.push(hiddenAxis(0, 0, Math.max(extent[1], 1) / OVERLAY_VOLUME_SHARE))
    } else {
      const [min, max] = study.range === undefined ? paddedExtent(extent[0], extent[1], layout.price.height, legendBottom + 10, 10) : [study.range.min, study.range.max]
      yAxes.push(hiddenAxis(0, min, max))
    }
    series.push(...buildStudySeries(study, { xAxisIndex: 0, yAxisIndex: axisIndex }, `overlay-own-${i}`))
  })

  // Own panes.
  const ownPanes: OwnPane[] = ownStudies.map((study, i) => ({ study, rect: layout.panes[i], grid: i + 1, extent: ownExtents[i], kind: study.isVolume ? 'volume' : 'oscillator' }))
  for (const [i, pane] of ownPanes.entries()) {
    const { study, rect } = pane
    const axisIndex = yAxes.length
    let min: number
    let max: number
    if (study.range !== undefined) {
      [min, max] = [study.range.min, study.range.max]
    } else if (pane.kind === 'volume') {
      [min, max] = [0, paddedExtent(0, pane.extent[1], rect.height, PANE_LINE + 6, 0)[1]]
    } else {
      [min, max] = paddedExtent(pane.extent[0], pane.extent[1], rect.height, PANE_LINE + 8, 6)
    }
    const axis = valueAxis(pane.grid, min, max, rect.height, colors, axisValue, Math.max(2, Math.round(rect.height / 32)))
    const levels = study.levels ?? []
    if (levels.length > 0 && study.range !== undefined) {
      // Oscillators with fixed levels label the levels (RSI 70/50/30), as TradingView does.
      axis.axisLabel = { ...axis.axisLabel, customValues: levels.map((l) => l.value), showMinLabel: true, showMaxLabel: true }
      axis.splitLine = { show: false }
    }
    yAxes.push(axis)
    series.push(...buildStudySeries(study, { xAxisIndex: pane.grid, yAxisIndex: axisIndex }, `pane-${i}`))
  }

  for (const s of drawingParts.series) series.push(s)

  const backdrop = withAlpha(colors.background, 0.75)
  /** Legend lines on the price pane, which drawing labels must leave clear. */
  const legendBoxes: Box[] = []
  if (showLegend) {
    const width = layout.plotWidth - LEGEND_X * 2
    const x = layout.left + LEGEND_X
    const header = headerPieces(job, decimals, colors)
    graphics.push(legendLine(header, x, layout.price.top + LEGEND_TOP, HEADER_FONT, width, backdrop))
    legendBoxes.push({ x, y: layout.price.top + LEGEND_TOP, width: legendLineWidth(header, HEADER_FONT, width), height: HEADER_LINE })
    let y = layout.price.top + LEGEND_TOP + HEADER_LINE
    for (const study of [...overlays, ...ownScaleOverlays.filter((s) => !s.isVolume)]) {
      const pieces = studyPieces(study, colors)
      graphics.push(legendLine(pieces, x, y, LEGEND_FONT, width, backdrop))
      legendBoxes.push({ x, y, width: legendLineWidth(pieces, LEGEND_FONT, width), height: LEGEND_LINE })
      y += LEGEND_LINE
    }
    for (const pane of ownPanes) {
      graphics.push(legendLine(studyPieces(pane.study, colors), layout.left + LEGEND_X, pane.rect.top + 4, PANE_FONT, width, backdrop))
    }
  }

  if (drawingParts.labels.length > 0) {
    const slot = layout.plotWidth / categories.length
    const pane: PaneGeometry = {
      plot: { x: layout.left, y: layout.price.top, width: layout.plotWidth, height: layout.price.height },
      slot,
      xOf: (index) => layout.left + (index + 0.5) * slot,
      yOf: priceY
    }
    const spans = [...priceSpans(job, pane), ...overlays.flatMap((study) => study.lines.flatMap((line) => lineSpans(line.values, pane)))]
    for (const label of placeDrawingLabels(drawingParts.labels, pane, legendBoxes, spans, withAlpha(colors.background, 0.8))) graphics.push(label.element)
  }

  const option: EChartsOption = {
    animation: false,
    backgroundColor: colors.background,
    textStyle: { fontFamily: FONT_FAMILY, color: colors.text },
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    series,
    graphic: { elements: graphics } as EChartsOption['graphic']
  }
  return { option, layout, notes }
}

/** The pixels each bar of the price series covers: high to low for bar styles, the segment from the previous close for line styles. */
function priceSpans (job: RenderJob, pane: PaneGeometry): Span[] {
  const { bars } = job
  if (!CLOSE_STYLES.includes(job.style) || job.style === 'column') {
    const bottomOf = job.style === 'column' ? () => pane.plot.y + pane.plot.height : (i: number) => pane.yOf(bars.low[i])
    const topOf = job.style === 'column' ? (i: number) => pane.yOf(bars.close[i]) : (i: number) => pane.yOf(bars.high[i])
    return bars.close.map((_c, i) => ({ x: pane.xOf(i), top: topOf(i), bottom: bottomOf(i) }))
  }
  return lineSpans(bars.close, pane)
}

/** A line's pixels per bar: from its previous point to this one, a pixel either side. */
function lineSpans (values: ReadonlyArray<number | null>, pane: PaneGeometry): Span[] {
  const spans: Span[] = []
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v === null) continue
    const previous = values[i - 1] ?? v
    const [a, b] = [pane.yOf(v), pane.yOf(previous)]
    spans.push({ x: pane.xOf(i), top: Math.min(a, b) - 1, bottom: Math.max(a, b) + 1 })
  }
  return spans
}

/** Colours the price series itself draws lines in, which a study line on the price pane must not take. */
function priceSeriesColors (style: RenderJob['style'], colors: ChartTheme): string[] {
  switch (style) {
    case 'line':
    case 'area':
    case 'hiLo':
      return [colors.line]
    case 'baseline':
    case 'column':
      return [colors.up, colors.down]
    default:
      return []
  }
}

function valueAxis (gridIndex: number, min: number, max: number, pixels: number, colors: ChartTheme, format: (v: number) => string, splitNumber: number, hidden: (v: number) => boolean = () => false): YAXisComponentOption & { axisLabel: Record<string, unknown> } {
  // Labels closer than this to a pane edge would be cut by the image edge or collide with the next pane's labels.
  const edge = (max - min) * 7 / pixels
  return {
    type: 'value',
    gridIndex,
    position: 'right',
    min,
    max,
    splitNumber,
    axisLine: { show: false },
    axisTick: { show: false },
    axisLabel: {
      color: colors.mutedText,
      fontSize: AXIS_FONT,
      fontFamily: FONT_FAMILY,
      margin: 8,
      formatter: (v: number) => (v > max - edge || v < min + edge || hidden(v) ? '' : format(v)),
      showMinLabel: false,
      showMaxLabel: false
    },
    splitLine: { show: true, lineStyle: { color: colors.grid, width: 1 } }
  }
}

function rightMarginBars (n: number): number {
  return Math.max(2, Math.round(n * 0.02))
}

function hiddenAxis (gridIndex: number, min: number, max: number): YAXisComponentOption {
  return { type: 'value', gridIndex, min, max, show: false, splitLine: { show: false } }
}

function axisValue (value: number): string {
  return Math.abs(value) >= 10_000 ? formatCompact(value) : formatStudyValue(value).replace(/\.00$/, '')
}

function headerPieces (job: RenderJob, decimals: number, colors: ChartTheme): LegendPiece[] {
  const { bars } = job
  const n = bars.close.length
  const i = n - 1
  const previous = previousClose(job)
  const change = bars.close[i] - previous
  const valueColor = change >= 0 ? colors.up : colors.down
  const pieces: LegendPiece[] = [{ text: `${job.symbol} · ${job.interval}`, color: colors.text, bold: true }]
  if (job.description !== undefined) pieces.push({ text: ` · ${job.description}`, color: colors.text, drop: 5 })
  const value = (label: string, v: number, drop?: number): void => {
    pieces.push({ text: `  ${label} `, color: colors.mutedText, drop }, { text: formatPrice(v, decimals), color: valueColor, drop })
  }
  if (job.fields === 'close' || CLOSE_STYLES.includes(job.style)) {
    value('C', bars.close[i])
  } else {
    value('O', bars.open[i], 2)
    value('H', bars.high[i], 2)
    value('L', bars.low[i], 2)
    value('C', bars.close[i])
  }
  pieces.push({ text: `  ${formatChange(change, previous, decimals)}`, color: valueColor, drop: 3 })
  return pieces
}

/** What the last bar's change is measured from: the close before it, or its own open when the data has no earlier bar. */
function previousClose (job: RenderJob): number {
  const { close, open } = job.bars
  const n = close.length
  if (n > 1) return close[n - 2]
  return job.previousClose ?? open[n - 1]
}

function studyPieces (study: JobStudy, colors: ChartTheme): LegendPiece[] {
  const pieces: LegendPiece[] = [{ text: study.title, color: colors.text }]
  for (const line of study.lines) {
    const v = lastValue(line.values)
    if (v === null) continue
    // Volume's value takes its bar's up/down colour; other histograms (MACD) use their main colour, because their
    // pale "falling" shades are unreadable as text.
    const color = line.kind === 'histogram' && study.isVolume ? (line.barColors?.[lastIndex(line.values)] ?? line.color) : line.color
    pieces.push({ text: `  ${study.isVolume ? formatCompact(v) : formatStudyValue(v)}`, color: solid(color), drop: 1 })
  }
  return pieces
}

function lastIndex (values: ReadonlyArray<number | null>): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i
  return values.length - 1
}

/** Legend values are printed in the line's colour without its transparency (50 % volume bars would be unreadable). */
function solid (color: string): string {
  const m = /^rgba\((\d+),\s*(\d+),\s*(\d+),\s*[\d.]+\)$/.exec(color)
  return m === null ? color : `rgb(${m[1]},${m[2]},${m[3]})`
}
