/**
 * Study names as people write them — `RSI`, `EMA 20`, `SMA`, `BB`, `MACD`, `VWAP`, `ma(50)`, the studio's own
 * checkbox labels — mapped to the TradingView full names Chart-IMG takes (shared/reference/chart-img-api.md,
 * "studies[]"). Applied in normalizeChartRequest, so both engines receive the same canonical request and the Chart-IMG
 * engine never spends a call on a name it would refuse. A number after the name is the study's `length` input
 * (`EMA 20` = Moving Average Exponential, length 20) unless the request gives a length itself.
 */
import type { StudySpec } from './request.js'
import { looseKey } from './suggestions.js'

interface KnownStudy {
  /** The TradingView/Chart-IMG full name. */
  name: string
  /** True when the study's main input is `length`, so `EMA 20` can set it. */
  length?: boolean
  /** Short names and spellings, compared loosely (case and punctuation ignored). */
  aliases: string[]
}

// TradingView's built-in names that Chart-IMG passes through; the embedded engine draws the first ten.
const KNOWN: KnownStudy[] = [
  { name: 'Volume', aliases: ['vol'] },
  { name: 'Moving Average', length: true, aliases: ['ma', 'sma', 'simple moving average', 'moving average simple'] },
  { name: 'Moving Average Exponential', length: true, aliases: ['ema', 'exponential moving average'] },
  { name: 'Bollinger Bands', length: true, aliases: ['bb', 'bbands', 'bollinger', 'bollinger band'] },
  { name: 'Relative Strength Index', length: true, aliases: ['rsi'] },
  { name: 'MACD', aliases: ['moving average convergence divergence'] },
  { name: 'Stochastic', aliases: ['stoch', 'stochastics', 'stochastic oscillator'] },
  { name: 'Average True Range', length: true, aliases: ['atr'] },
  { name: 'On Balance Volume', aliases: ['obv'] },
  { name: 'Volume Weighted Moving Average', length: true, aliases: ['vwma'] },
  { name: 'VWAP', aliases: ['volume weighted average price'] },
  { name: 'Money Flow Index', length: true, aliases: ['mfi'] },
  { name: 'Commodity Channel Index', length: true, aliases: ['cci'] },
  { name: 'Williams %R', length: true, aliases: ['williams r', 'willr', '%r'] },
  { name: 'Rate of Change', length: true, aliases: ['roc'] },
  { name: 'Average Directional Index', aliases: ['adx'] }
]

const BY_KEY = new Map<string, KnownStudy>()
for (const study of KNOWN) for (const key of [study.name, ...study.aliases]) BY_KEY.set(looseKey(key), study)

/** Every short name that resolves, loose key → full name (for "did you mean" over typos of an alias). */
export const STUDY_ALIAS_NAMES: Readonly<Record<string, string>> = Object.fromEntries([...BY_KEY].map(([key, study]) => [key, study.name]))

const LENGTH_KEYS = new Set(['length', 'len', 'period', 'in0'])

/** The request's study with its name made canonical and a trailing number turned into `input.length`. */
export function resolveStudyAlias (spec: StudySpec): StudySpec {
  const exact = BY_KEY.get(looseKey(spec.name))
  if (exact !== undefined) return { ...spec, name: exact.name }
  const numbered = /^(.*?\D)\s*\(?\s*(\d{1,4})\s*\)?$/.exec(spec.name.trim())
  const known = numbered === null ? undefined : BY_KEY.get(looseKey(numbered[1]))
  if (numbered === null || known === undefined || known.length !== true) return spec
  const given = Object.keys(spec.input ?? {}).some((key) => LENGTH_KEYS.has(looseKey(key)))
  return { ...spec, name: known.name, input: given ? spec.input : { length: Number(numbered[2]), ...spec.input } }
}
