/**
 * The main price series for each Chart-IMG style, on the price pane's axes (xAxisIndex 0, yAxisIndex 0).
 * ECharts has candlestick, line and bar series; OHLC bars and high–low bars have no built-in series, so they are
 * ECharts custom series (one small path or rectangle per bar).
 */
import type { CustomSeriesRenderItem, SeriesOption } from 'echarts'
import { OHLC_STYLES, type Style } from '../chart/request.js'
import type { JobBars } from './job.js'
import type { ChartTheme } from './theme.js'

const Z_PRICE = 3
/** Where every price series goes: the first grid's axes, above studies and drawings' fills. */
const ON_PRICE_PANE = { name: 'price', xAxisIndex: 0, yAxisIndex: 0, z: Z_PRICE } as const

/** Lowest and highest value a style draws: lows/highs for bar styles, closes for line styles. */
export function priceExtent (style: Style, bars: JobBars): [number, number] {
  const ohlc = OHLC_STYLES.includes(style)
  const lows = ohlc ? bars.low : bars.close
  const highs = ohlc ? bars.high : bars.close
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < lows.length; i++) {
    if (lows[i] < min) min = lows[i]
    if (highs[i] > max) max = highs[i]
  }
  return [min, max]
}

/**
 * Where the baseline style splits its colours, in chart pixels: the y of the base value and the chart height
 * (the option builder knows both once it has fixed the price axis).
 */
export interface BaselineSplit { y: number, chartHeight: number }

/** The one series that draws the price in `style` (its axis range comes from priceExtent). */
export function buildPriceSeries (style: Style, bars: JobBars, colors: ChartTheme, split?: BaselineSplit): SeriesOption {
  switch (style) {
    case 'candle':
    case 'heikinAshi':
    case 'hollowCandle':
      return candlestick(bars, colors, style === 'hollowCandle')
    case 'bar':
      return ohlcBars(bars, colors)
    case 'hiLo':
      return highLowBars(bars, colors)
    case 'line':
      return closeLine(bars, colors.line, false, colors)
    case 'area':
      return closeLine(bars, colors.line, true, colors)
    case 'column':
      return columns(bars, colors)
    case 'baseline':
      return baseline(bars, colors, split ?? { y: 0, chartHeight: 1 })
  }
}

function candlestick (bars: JobBars, colors: ChartTheme, hollow: boolean): SeriesOption {
  return {
    type: 'candlestick',
    ...ON_PRICE_PANE,
    barMaxWidth: 18,
    // ECharts candlestick data order is [open, close, lowest, highest].
    data: bars.close.map((c, i) => [bars.open[i], c, bars.low[i], bars.high[i]]),
    itemStyle: {
      // Hollow candles: rising bodies take the background colour, falling ones stay filled (TradingView's style).
      color: hollow ? colors.background : colors.up,
      color0: colors.down,
      borderColor: colors.up,
      borderColor0: colors.down,
      borderWidth: 1
    }
  }
}

function ohlcBars (bars: JobBars, colors: ChartTheme): SeriesOption {
  const renderItem: CustomSeriesRenderItem = (_params, api) => {
    const i = api.value(0) as number
    const [o, h, l, c] = [api.value(1), api.value(2), api.value(3), api.value(4)] as number[]
    const [rawX, yh] = api.coord([i, h])
    const yl = api.coord([i, l])[1]
    const yo = api.coord([i, o])[1]
    const yc = api.coord([i, c])[1]
    const slot = (api.size?.([1, 0]) as number[])[0]
    const tick = Math.max(1, Math.floor(slot * 0.35))
    const width = slot >= 9 ? 2 : 1
    // Odd-width strokes on half pixels stay crisp.
    const x = width === 1 ? Math.round(rawX) + 0.5 : Math.round(rawX)
    return {
      type: 'path',
      shape: { pathData: `M${x} ${yh}V${yl}M${x - tick} ${yo}H${x}M${x} ${yc}H${x + tick}` },
      style: { stroke: c >= o ? colors.up : colors.down, lineWidth: width, fill: 'none' }
    }
  }
  return {
    type: 'custom',
    ...ON_PRICE_PANE,
    renderItem,
    encode: { x: 0, y: [1, 2, 3, 4] },
    data: bars.close.map((c, i) => [i, bars.open[i], bars.high[i], bars.low[i], c])
  }
}

function highLowBars (bars: JobBars, colors: ChartTheme): SeriesOption {
  const renderItem: CustomSeriesRenderItem = (_params, api) => {
    const i = api.value(0) as number
    const [x, yh] = api.coord([i, api.value(1) as number])
    const yl = api.coord([i, api.value(2) as number])[1]
    const slot = (api.size?.([1, 0]) as number[])[0]
    const width = Math.max(1, slot * 0.6)
    return {
      type: 'rect',
      shape: { x: x - width / 2, y: yh, width, height: Math.max(1, yl - yh) },
      style: { fill: colors.line }
    }
  }
  return {
    type: 'custom',
    ...ON_PRICE_PANE,
    renderItem,
    encode: { x: 0, y: [1, 2] },
    data: bars.close.map((_c, i) => [i, bars.high[i], bars.low[i]])
  }
}

/** The close as a plain 2 px line on the price pane: line, area and baseline styles start from it. */
function closeLineBase (bars: JobBars): SeriesOption & { type: 'line' } {
  return {
    type: 'line',
    ...ON_PRICE_PANE,
    data: bars.close,
    showSymbol: false,
    symbol: 'none'
  }
}

function closeLine (bars: JobBars, color: string, area: boolean, colors: ChartTheme): SeriesOption {
  return {
    ...closeLineBase(bars),
    lineStyle: { color, width: 2 },
    itemStyle: { color },
    ...(area
      ? {
          areaStyle: {
            origin: 'start' as const,
            color: { type: 'linear' as const, x: 0, y: 0, x2: 0, y2: 1, colorStops: [{ offset: 0, color: colors.areaTop }, { offset: 1, color: colors.areaBottom }] }
          }
        }
      : {})
  }
}

function columns (bars: JobBars, colors: ChartTheme): SeriesOption {
  return {
    type: 'bar',
    ...ON_PRICE_PANE,
    barCategoryGap: '25%',
    // TradingView colours a column by its close against the previous close.
    data: bars.close.map((c, i) => ({ value: c, itemStyle: { color: i > 0 && c < bars.close[i - 1] ? colors.down : colors.up } }))
  }
}

/**
 * TradingView's baseline style: the close line and its fill are green above the base value and red below it; the base
 * is the first visible close (TradingView's default base level is a share of the visible range; the first close is
 * what this engine uses and documents). The colour change is a hard stop in a gradient laid in chart pixels at the
 * base's y: ECharts' piecewise visualMap would do this, but ECharts 6.1 throws in LineView's getVisualGradient for it
 * in SSR mode (reproduced with a four-point line).
 */
function baseline (bars: JobBars, colors: ChartTheme, split: BaselineSplit): SeriesOption {
  const base = bars.close[0]
  const at = Math.min(1, Math.max(0, split.y / split.chartHeight))
  const twoTone = (above: string, below: string): Record<string, unknown> => ({
    type: 'linear',
    global: true,
    x: 0,
    y: 0,
    x2: 0,
    y2: split.chartHeight,
    colorStops: [{ offset: 0, color: above }, { offset: at, color: above }, { offset: at, color: below }, { offset: 1, color: below }]
  })
  const line = {
    ...closeLineBase(bars),
    lineStyle: { width: 2, color: twoTone(colors.up, colors.down) },
    itemStyle: { color: colors.up },
    areaStyle: { origin: base, color: twoTone(colors.baselineUpFill, colors.baselineDownFill) },
    markLine: {
      silent: true,
      symbol: 'none',
      label: { show: false },
      lineStyle: { color: colors.mutedText, type: 'dashed', width: 1 },
      data: [{ name: 'baseline', yAxis: base }]
    }
  } as SeriesOption
  return line
}
