/**
 * One colour per line on a pane. Studies keep TradingView's default colours, which repeat (Moving Average, EMA,
 * VWMA and the line style are all #2962ff), so two defaults on one pane would be told apart by nothing: each default
 * colour already taken on the pane is replaced by the next free colour of DISTINCT_STUDY_COLORS. Colours a request
 * chose with an override are kept as given and reserved first.
 */
import { DISTINCT_STUDY_COLORS } from '../indicators/colors.js'
import type { JobStudy } from './job.js'

const key = (color: string): string => color.trim().toLowerCase()

/**
 * Studies drawn on one pane, with line colours made distinct from each other and from `reserved` (the price line's
 * colour). Histograms keep their colours (Volume's up/down bars read as such). Returns new study objects.
 */
export function withDistinctColors (studies: readonly JobStudy[], reserved: readonly string[]): JobStudy[] {
  const used = new Set(reserved.map(key))
  for (const study of studies) {
    for (const line of study.lines) if (line.colorOverridden === true) used.add(key(line.color))
  }
  return studies.map((study) => {
    const own = new Set<string>()
    const lines = study.lines.map((line) => {
      if (line.kind !== 'line' || line.colorOverridden === true) return line
      let color = line.color
      if (used.has(key(color)) && !own.has(key(color))) {
        color = DISTINCT_STUDY_COLORS.find((c) => !used.has(key(c))) ?? color
      }
      own.add(key(color))
      return color === line.color ? line : { ...line, color }
    })
    for (const color of own) used.add(color)
    return { ...study, lines }
  })
}
