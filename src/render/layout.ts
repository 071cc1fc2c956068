/**
 * Pane geometry: the price pane on top, then one pane per own-pane study (Volume short, oscillators taller), the time
 * axis at the bottom and one price-axis column on the right shared by every pane (as TradingView stacks panes).
 */
export type OwnPaneKind = 'volume' | 'oscillator'

export interface PaneRect { top: number, height: number }

export interface ChartLayout {
  left: number
  right: number
  plotWidth: number
  price: PaneRect
  panes: PaneRect[]
  /** Pixels under the last pane for time labels. */
  bottom: number
}

export const TIME_AXIS_HEIGHT = 24
const TOP = 1
const LEFT = 1
/** No pane but the price pane keeps less than this share of the plot height. */
const MIN_PRICE_SHARE = 0.45

/** Splits `height` between the price pane and `own` panes; `axisWidth` is the right price-axis column. */
export function layoutPanes (width: number, height: number, own: readonly OwnPaneKind[], axisWidth: number): ChartLayout {
  const plotHeight = height - TOP - TIME_AXIS_HEIGHT
  const wanted = own.map((kind) => kind === 'volume'
    ? clamp(plotHeight * 0.15, 40, 140)
    : clamp(plotHeight * 0.22, 56, 220))
  const total = wanted.reduce((a, b) => a + b, 0)
  const maxOwn = plotHeight * (1 - MIN_PRICE_SHARE)
  const scale = total > maxOwn ? maxOwn / total : 1
  const heights = wanted.map((h) => Math.floor(h * scale))
  const priceHeight = plotHeight - heights.reduce((a, b) => a + b, 0)
  let top = TOP + priceHeight
  const panes = heights.map((h) => {
    const rect = { top, height: h }
    top += h
    return rect
  })
  return {
    left: LEFT,
    right: axisWidth,
    plotWidth: width - LEFT - axisWidth,
    price: { top: TOP, height: priceHeight },
    panes,
    bottom: TIME_AXIS_HEIGHT
  }
}

function clamp (value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}

/**
 * Value-axis bounds that leave `padTop`/`padBottom` pixels clear inside a pane of `pixels` height (room for the
 * legend lines at the top), for data spanning [min, max].
 */
export function paddedExtent (min: number, max: number, pixels: number, padTop: number, padBottom: number): [number, number] {
  let lo = min
  let hi = max
  if (!(hi > lo)) {
    const half = Math.abs(lo) * 0.01 || 1
    lo -= half
    hi += half
  }
  const usable = Math.max(pixels - padTop - padBottom, pixels * 0.2)
  const perPixel = (hi - lo) / usable
  return [lo - padBottom * perPixel, hi + padTop * perPixel]
}
