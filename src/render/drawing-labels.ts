/**
 * Where a drawing's text goes. A label at a fixed spot (the start of a horizontal line, the end of a trend line) was
 * hidden by candles drawn over it and ran into the header legend; here each label tries a few spots next to its line
 * and takes the one that covers the least of the bars and study lines, never the legend or another label, inside
 * the plot. It is then drawn above the data on a translucent backdrop, as the legend is.
 */
import type { DrawingLabel } from './drawing-series.js'
import { fontOf } from './drawing-series.js'
import { measureText } from './text-measure.js'

/** A rectangle in chart pixels. */
export interface Box { x: number, y: number, width: number, height: number }

/** What a label may cover a little of: one vertical pixel span per bar slot (a candle's wick, a line's segment). */
export interface Span { x: number, top: number, bottom: number }

/** The price pane as the option builder laid it out. */
export interface PaneGeometry {
  /** The plot rectangle of the price pane. */
  plot: Box
  /** Width of one bar slot. */
  slot: number
  /** Pixel x of a (fractional) bar index and pixel y of a price. */
  xOf: (index: number) => number
  yOf: (price: number) => number
}

export interface PlacedLabel { name: string, box: Box, element: Record<string, unknown> }

const GAP = 4
const PADDING: [number, number] = [2, 4]
/** Any overlap with the legend or another label outweighs covering every bar. */
const FORBIDDEN = 1_000_000

export function overlaps (a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

/**
 * Places `labels` in order (each avoids those placed before it). `keepOut` are boxes no label may cover (the legend
 * lines); `spans` are what a label should cover as little as possible of.
 */
export function placeDrawingLabels (labels: readonly DrawingLabel[], pane: PaneGeometry, keepOut: readonly Box[], spans: readonly Span[], backdrop: string, z = 15): PlacedLabel[] {
  const placed: PlacedLabel[] = []
  for (const label of labels) {
    const width = Math.ceil(measureText(label.text, label.look.fontSize, label.look.bold)) + PADDING[1] * 2
    const height = Math.ceil(label.look.fontSize * 1.2) + PADDING[0] * 2
    const candidates = candidateBoxes(label, pane, width, height)
    const blocked = [...keepOut, ...placed.map((p) => p.box)]
    let best = candidates[0]
    let bestScore = Infinity
    for (const box of candidates) {
      const score = blocked.some((b) => overlaps(box, b)) ? FORBIDDEN + coveredPixels(box, spans, pane.slot) : coveredPixels(box, spans, pane.slot)
      if (score < bestScore) {
        best = box
        bestScore = score
      }
    }
    placed.push({
      name: label.name,
      box: best,
      element: {
        type: 'text',
        name: label.name,
        x: best.x,
        y: best.y,
        z,
        silent: true,
        style: {
          text: label.text,
          fill: label.look.textColor,
          font: fontOf(label.look),
          align: 'left',
          verticalAlign: 'top',
          backgroundColor: backdrop,
          padding: PADDING,
          borderRadius: 2
        }
      }
    })
  }
  return placed
}

/** Spots next to the line, most natural first (ties keep the earlier), each moved inside the plot. */
function candidateBoxes (label: DrawingLabel, pane: PaneGeometry, width: number, height: number): Box[] {
  const { plot } = pane
  const inside = (x: number, y: number): Box => ({
    x: Math.min(Math.max(x, plot.x + 2), plot.x + plot.width - width - 2),
    y: Math.min(Math.max(y, plot.y + 2), plot.y + plot.height - height - 2),
    width,
    height
  })
  const a = { x: pane.xOf(label.from.x), y: pane.yOf(label.from.price) }
  const b = { x: pane.xOf(label.to.x), y: pane.yOf(label.to.price) }
  if (label.kind === 'horizontal') {
    const y = a.y
    const left = plot.x + GAP * 2
    const right = plot.x + plot.width - width - GAP * 2
    const middle = plot.x + (plot.width - width) / 2
    return [left, right, middle].flatMap((x) => [inside(x, y - height - 1), inside(x, y + 2)])
  }
  // Trend line: beside its right-hand end, then its other end, then its middle; above or below the line.
  const [end, start] = a.x > b.x ? [a, b] : [b, a]
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 }
  return [end, start, mid].flatMap((p) => [
    inside(p.x + GAP, p.y - height - GAP),
    inside(p.x - width - GAP, p.y - height - GAP),
    inside(p.x + GAP, p.y + GAP),
    inside(p.x - width - GAP, p.y + GAP)
  ])
}

/** Pixels of bar and line spans under a box: how much of the data the label would hide. */
function coveredPixels (box: Box, spans: readonly Span[], slot: number): number {
  let covered = 0
  const half = Math.max(slot / 2, 0.5)
  for (const span of spans) {
    if (span.x + half <= box.x || span.x - half >= box.x + box.width) continue
    const overlap = Math.min(span.bottom, box.y + box.height) - Math.max(span.top, box.y)
    if (overlap > 0) covered += overlap
  }
  return covered
}
