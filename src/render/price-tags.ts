/**
 * Price tags on the right-hand axis (the last price, each horizontal line's price): like TradingView, a tag hides
 * the axis labels it would cover, and tags that would overlap each other are moved apart, the last price staying
 * where it is. Pure geometry in pane pixels; the option builder applies the result.
 */

/** Height of a tag box: 11 px text, 2 px padding above and below, one pixel of air. */
export const TAG_HEIGHT = 17

export interface TagRequest {
  /** Pixel y of the tag's price inside the chart. */
  y: number
  /** True for the one tag that must not move (the last price). */
  fixed?: boolean
}

/** Final pixel y of each tag (same order as given) so that no two boxes overlap. */
export function placeTags (tags: readonly TagRequest[]): number[] {
  const order = tags.map((tag, index) => ({ ...tag, index })).sort((a, b) => a.y - b.y || a.index - b.index)
  const ys = order.map((tag) => tag.y)
  const anchor = Math.max(0, order.findIndex((tag) => tag.fixed === true))
  for (let i = anchor + 1; i < ys.length; i++) ys[i] = Math.max(ys[i], ys[i - 1] + TAG_HEIGHT)
  for (let i = anchor - 1; i >= 0; i--) ys[i] = Math.min(ys[i], ys[i + 1] - TAG_HEIGHT)
  const out = new Array<number>(tags.length)
  order.forEach((tag, i) => { out[tag.index] = ys[i] })
  return out
}

/** True when an axis label centred at `y` would be covered by a tag centred at one of `tagYs`. */
export function coveredByTag (y: number, tagYs: readonly number[], labelHeight = 13): boolean {
  return tagYs.some((tagY) => Math.abs(tagY - y) < (TAG_HEIGHT + labelHeight) / 2)
}
