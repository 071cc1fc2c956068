/**
 * Colour values accepted in study overrides: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb(r,g,b)`, `rgba(r,g,b,a)`
 * and CSS colour names. Everything is normalised to `#rrggbb` or `rgba(r,g,b,a)`, which ECharts and resvg both read.
 */
// CSS colour names most likely in an override (name:rrggbb), kept as one string to stay compact.
const NAMED: Record<string, string> = Object.fromEntries((
  'black:000000 white:ffffff red:ff0000 green:008000 blue:0000ff yellow:ffff00 orange:ffa500 purple:800080 ' +
  'violet:ee82ee magenta:ff00ff fuchsia:ff00ff cyan:00ffff aqua:00ffff lime:00ff00 teal:008080 navy:000080 ' +
  'maroon:800000 olive:808000 silver:c0c0c0 gray:808080 grey:808080 darkgray:a9a9a9 darkgrey:a9a9a9 ' +
  'lightgray:d3d3d3 lightgrey:d3d3d3 dimgray:696969 brown:a52a2a pink:ffc0cb hotpink:ff69b4 gold:ffd700 ' +
  'indigo:4b0082 coral:ff7f50 tomato:ff6347 crimson:dc143c salmon:fa8072 khaki:f0e68c turquoise:40e0d0 ' +
  'skyblue:87ceeb steelblue:4682b4 royalblue:4169e1 dodgerblue:1e90ff deepskyblue:00bfff lightblue:add8e6 ' +
  'darkblue:00008b darkred:8b0000 darkgreen:006400 lightgreen:90ee90 limegreen:32cd32 seagreen:2e8b57 ' +
  'forestgreen:228b22 darkorange:ff8c00 orangered:ff4500 chocolate:d2691e tan:d2b48c beige:f5f5dc ' +
  'lavender:e6e6fa plum:dda0dd orchid:da70d6 darkviolet:9400d3 mediumpurple:9370db slategray:708090 '
).trim().split(' ').map((pair) => {
  const [name, hex] = pair.split(':')
  return [name, `#${hex}`]
}))

const HEX = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i
const RGB = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(\d*\.?\d+)\s*)?\)$/i

/** Normalised colour, or undefined when `value` is not a colour. */
export function parseColor (value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const text = value.trim().toLowerCase()
  if (NAMED[text] !== undefined) return NAMED[text]
  if (text === 'transparent') return 'rgba(0,0,0,0)'
  if (HEX.test(text)) {
    let hex = text.slice(1)
    if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('')
    if (hex.length === 6) return `#${hex}`
    const alpha = parseInt(hex.slice(6, 8), 16) / 255
    return rgba(parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16), alpha)
  }
  const m = RGB.exec(text)
  if (m === null) return undefined
  const [r, g, b] = [m[1], m[2], m[3]].map(Number)
  const a = m[4] === undefined ? 1 : Number(m[4])
  if (r > 255 || g > 255 || b > 255 || a > 1) return undefined
  return a === 1 ? `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}` : rgba(r, g, b, a)
}

function rgba (r: number, g: number, b: number, a: number): string {
  return `rgba(${r},${g},${b},${Math.round(a * 1000) / 1000})`
}

/** `#rrggbb` plus an opacity → `rgba(...)`. */
export function withAlpha (hex: string, alpha: number): string {
  const h = hex.replace('#', '')
  return rgba(parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16), alpha)
}

/**
 * TradingView's default study colours (its current palette). They are mid-tones chosen by TradingView to read on
 * both its light (#ffffff) and dark (#131722) backgrounds, so one palette serves both themes except the level lines.
 */
export const PALETTE = {
  blue: '#2962ff',
  orange: '#ff6d00',
  purple: '#7e57c2',
  red: '#f23645',
  teal: '#089981',
  darkRed: '#b71c1c',
  histogramGrowAbove: '#26a69a',
  histogramFallAbove: '#b2dfdb',
  histogramGrowBelow: '#ffcdd2',
  histogramFallBelow: '#ff5252'
} as const

/**
 * Colours given, in order, to a study line whose default colour is already taken on its pane (a 50-bar MA beside a
 * 21-bar EMA, both TradingView blue; an MA on a blue line chart). TradingView's own palette colours, chosen to
 * differ in hue from each other and from the up/down and line colours of the chart.
 */
export const DISTINCT_STUDY_COLORS: readonly string[] = [
  PALETTE.orange,
  PALETTE.purple,
  '#e91e63',
  '#00bcd4',
  '#fbc02d',
  '#795548',
  '#4caf50',
  '#9c27b0',
  '#607d8b',
  PALETTE.blue
]

export function levelColor (theme: 'light' | 'dark'): string {
  return theme === 'dark' ? '#787b86' : '#9598a1'
}
