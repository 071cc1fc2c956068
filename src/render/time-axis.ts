/**
 * Time-axis labels in TradingView's manner: a label where a calendar unit begins (a year, a month, a day, an hour…),
 * the coarsest unit shown as its own text ("2019", "Mar", "12", "14:30"), thinned so labels never crowd.
 *
 * The chart uses a category axis (one slot per bar, no gaps on weekends and holidays, as TradingView draws), so
 * ECharts' own time-axis tick logic does not apply and the ticks are chosen here.
 *
 * Daily, weekly and monthly bars carry a trading *date* stored at 00:00 UTC (src/market/types.ts): they are read in
 * UTC so a date never moves across midnight; intraday bars are read in the requested IANA time zone.
 */
import type { Interval } from '../chart/request.js'
import { isIntraday } from '../market/intervals.js'
import { measureText } from './text-measure.js'

interface Parts { year: number, month: number, day: number, hour: number, minute: number, dayNumber: number }

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY_MS = 86_400_000
/** Minimum distance between two labels, px: room for "2019" or "14:30" (about 35 px) plus a gap. */
export const MIN_LABEL_SPACING = 50

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Calendar fields of `time` in `zone` (null = UTC). */
export function zonedParts (time: number, zone: string | null): Parts {
  if (zone === null || zone === 'UTC' || zone === 'Etc/UTC') {
    const d = new Date(time)
    return { year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), dayNumber: Math.floor(time / DAY_MS) }
  }
  let formatter = formatters.get(zone)
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
    formatters.set(zone, formatter)
  }
  const fields: Record<string, number> = {}
  for (const part of formatter.formatToParts(time)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value)
  }
  const year = fields.year
  const month = fields.month - 1
  const day = fields.day
  return { year, month, day, hour: fields.hour % 24, minute: fields.minute, dayNumber: Math.floor(Date.UTC(year, month, day) / DAY_MS) }
}

interface Level {
  /** True when `cur` starts a new unit of this level after `prev`. */
  starts: (prev: Parts, cur: Parts) => boolean
  label: (cur: Parts) => string
}

const hhmm = (p: Parts): string => `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`
const everyHours = (k: number): Level => ({ starts: (a, b) => a.dayNumber !== b.dayNumber || Math.floor(a.hour / k) !== Math.floor(b.hour / k), label: hhmm })
const everyMinutes = (k: number): Level => ({
  starts: (a, b) => a.dayNumber !== b.dayNumber || a.hour !== b.hour || Math.floor(a.minute / k) !== Math.floor(b.minute / k),
  label: hhmm
})

// Coarsest first; a bar's rank is the first level whose unit it starts.
const LEVELS: Level[] = [
  { starts: (a, b) => a.year !== b.year, label: (p) => String(p.year) },
  { starts: (a, b) => Math.floor(a.month / 6) !== Math.floor(b.month / 6), label: (p) => MONTHS[p.month] },
  { starts: (a, b) => Math.floor(a.month / 3) !== Math.floor(b.month / 3), label: (p) => MONTHS[p.month] },
  { starts: (a, b) => a.month !== b.month, label: (p) => MONTHS[p.month] },
  // Weeks start on Monday; day 0 (1970-01-01) was a Thursday.
  { starts: (a, b) => Math.floor((a.dayNumber + 3) / 7) !== Math.floor((b.dayNumber + 3) / 7), label: (p) => String(p.day) },
  { starts: (a, b) => a.dayNumber !== b.dayNumber, label: (p) => String(p.day) },
  everyHours(12),
  everyHours(6),
  everyHours(3),
  everyHours(1),
  everyMinutes(30),
  everyMinutes(15),
  everyMinutes(5),
  everyMinutes(1)
]

export interface TimeLabels {
  /** Bar indices that carry a label, ascending. */
  indices: number[]
  /** Label text by bar index. */
  text: Map<number, string>
}

/** Font size of the time labels (the option builder draws them at this size). */
export const TIME_LABEL_FONT = 11

type Unit = 'year' | 'month' | 'day' | 'time'

/** What a label of a given rank names by itself: "2019" a year, "Mar" a month, "12" a day, "14:30" a time. */
function unitOf (rank: number): Unit {
  if (rank === 0) return 'year'
  if (rank <= 3) return 'month'
  if (rank <= 5) return 'day'
  return 'time'
}

/**
 * The text of the first label when the labels alone would not say when the chart is: Sep–Dec 2008 read "Oct Nov Dec",
 * a 5-day chart "14 15 16 17", a one-bar chart nothing. The first label then carries the year when no label shows
 * one, the month when day or time labels show none, and the date when intraday labels show only times — TradingView
 * gives the same context in its crosshair and date range bar, which a still image does not have.
 */
function contextText (p: Parts, unit: Unit, shown: ReadonlySet<Unit>): string {
  const needYear = !shown.has('year')
  const needMonth = !shown.has('month') || needYear
  const needDay = unit === 'time' && (!shown.has('day') || needMonth)
  const date = (withDay: boolean): string => [withDay ? String(p.day) : '', MONTHS[p.month], needYear ? String(p.year) : ''].filter((x) => x !== '').join(' ')
  switch (unit) {
    case 'year': return String(p.year)
    case 'month': return needYear ? `${MONTHS[p.month]} ${p.year}` : MONTHS[p.month]
    case 'day': return needMonth ? date(true) : String(p.day)
    case 'time': return needDay ? `${date(true)} ${hhmm(p)}` : hhmm(p)
  }
}

/**
 * Picks and formats the time-axis labels for bars `times` drawn across `plotWidth` px, in `slots` equal slots (the
 * bars plus any empty slots after them; default one per bar).
 */
export function buildTimeLabels (times: readonly number[], interval: Interval, timezone: string, plotWidth: number, slots = times.length): TimeLabels {
  const n = times.length
  const intraday = isIntraday(interval)
  const zone = intraday ? timezone : null
  const parts = times.map((t) => zonedParts(t, zone))
  const rank = new Array<number>(n).fill(LEVELS.length)
  for (let i = 1; i < n; i++) {
    const level = LEVELS.findIndex((l) => l.starts(parts[i - 1], parts[i]))
    if (level >= 0) rank[i] = level
  }
  const slot = plotWidth / Math.max(slots, n, 1)
  const maxLabels = Math.max(1, Math.floor(plotWidth / MIN_LABEL_SPACING))
  // The finest level whose boundaries still fit; thinning below removes the rest of any crowding.
  let chosen = 0
  for (let level = 0; level < LEVELS.length; level++) {
    const count = rank.filter((r) => r <= level).length
    if (count > maxLabels) break
    chosen = level
  }
  const candidates = rank.map((r, i) => ({ r, i })).filter((c) => c.r <= chosen).sort((a, b) => a.r - b.r || a.i - b.i)
  let accepted: number[] = []
  // Keep clear of the plot's left edge, where a centred label would be cut.
  const edge = Math.ceil(MIN_LABEL_SPACING / 2 / slot)
  for (const c of candidates) {
    if (c.i < edge / 2) continue
    if (accepted.every((j) => Math.abs(j - c.i) * slot >= MIN_LABEL_SPACING)) accepted.push(c.i)
  }
  accepted.sort((a, b) => a - b)
  const text = new Map(accepted.map((i) => [i, LEVELS[rank[i]].label(parts[i])]))
  if (n === 0) return { indices: accepted, text }

  // Context: one label (the first that fits whole inside the plot once it carries it) names what the others leave out.
  // A bar without a rank (the first bar, or a chart too short to have boundaries) is labelled at its own precision.
  const ownUnit = (i: number): Unit => rank[i] < LEVELS.length ? unitOf(rank[i]) : intraday ? 'time' : interval === '1M' ? 'month' : 'day'
  const shown = new Set(accepted.map((i) => unitOf(rank[i])))
  const centre = (i: number): number => (i + 0.5) * slot
  // The first bar starts no unit, but on a chart of few wide bars (5D) it has room to carry the context itself.
  const holders = accepted.length > 0 ? [...(accepted[0] === 0 ? [] : [0]), ...accepted] : Array.from({ length: n }, (_, i) => i)
  let holder = holders[holders.length - 1]
  for (const i of holders) {
    const width = measureText(contextText(parts[i], ownUnit(i), shown), TIME_LABEL_FONT)
    if (centre(i) - width / 2 >= 2) {
      holder = i
      break
    }
  }
  const holderText = contextText(parts[holder], ownUnit(holder), shown)
  text.set(holder, holderText)
  // Labels left of the holder, or too close to its wider text, give way.
  const holderHalf = measureText(holderText, TIME_LABEL_FONT) / 2
  accepted = [...new Set([...accepted, holder])].sort((a, b) => a - b).filter((i) => {
    if (i === holder) return true
    if (i < holder) return false
    const half = measureText(text.get(i) ?? '', TIME_LABEL_FONT) / 2
    return Math.abs(centre(i) - centre(holder)) >= holderHalf + half + 12
  })
  for (const i of [...text.keys()]) if (!accepted.includes(i)) text.delete(i)
  return { indices: accepted, text }
}
