/**
 * Legend lines drawn inside panes, TradingView-style ("SP:SPX · 1D  O 2874.14 H …", "RSI 14 close 52.31"): one
 * ECharts rich-text element per line, each piece in its own colour, with optional pieces dropped when the line would
 * not fit the pane width.
 */
import { FONT_FAMILY } from './theme.js'
import { measureText } from './text-measure.js'

export interface LegendPiece {
  text: string
  color: string
  bold?: boolean
  /** Pieces with a drop rank are removed, highest rank first, until the line fits. */
  drop?: number
}

/** Removes characters that would break ECharts' `{style|text}` rich-text syntax. */
export function richSafe (text: string): string {
  return text.replace(/[{}]/g, '')
}

/**
 * One legend line at (x, y). `backdrop` (the theme background, translucent) keeps it readable over dense data such as
 * a Stochastic over five years.
 */
export function legendLine (pieces: LegendPiece[], x: number, y: number, fontSize: number, maxWidth: number, backdrop: string, z = 20): Record<string, unknown> {
  const kept = fitPieces(pieces, fontSize, maxWidth)
  const rich: Record<string, Record<string, unknown>> = {}
  const text = kept.map((piece, i) => {
    rich[`p${i}`] = { fill: piece.color, fontSize, fontWeight: piece.bold === true ? 'bold' : 'normal', fontFamily: FONT_FAMILY }
    return `{p${i}|${richSafe(piece.text)}}`
  }).join('')
  return {
    type: 'text',
    x,
    y,
    z,
    silent: true,
    style: { text, rich, font: `${fontSize}px ${FONT_FAMILY}`, verticalAlign: 'top', align: 'left', backgroundColor: backdrop, padding: [1, 3, 1, 3], borderRadius: 2 }
  }
}

const piecesWidth = (list: readonly LegendPiece[], fontSize: number): number => list.reduce((sum, p) => sum + measureText(p.text, fontSize, p.bold === true), 0)

/** The pieces legendLine keeps within `maxWidth`: droppable pieces go, highest rank first. */
function fitPieces (pieces: readonly LegendPiece[], fontSize: number, maxWidth: number): LegendPiece[] {
  let kept = [...pieces]
  while (piecesWidth(kept, fontSize) > maxWidth) {
    const droppable = kept.filter((p) => p.drop !== undefined)
    if (droppable.length === 0) break
    const worst = droppable.reduce((a, b) => ((b.drop ?? 0) > (a.drop ?? 0) ? b : a))
    kept = kept.filter((p) => p !== worst)
  }
  return kept
}

/** Width in px of the line legendLine draws for `pieces` (its padding included): what other labels must avoid. */
export function legendLineWidth (pieces: readonly LegendPiece[], fontSize: number, maxWidth: number): number {
  return Math.min(maxWidth, piecesWidth(fitPieces(pieces, fontSize, maxWidth), fontSize)) + 6
}
