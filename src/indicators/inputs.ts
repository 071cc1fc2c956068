/**
 * Study inputs: TradingView's names and common synonyms, matched case-, space- and punctuation-insensitively
 * ("%K Length", "kLength", "k_length" are the same key), validated against TradingView's bounds.
 */
import { ChartError } from '../chart/errors.js'
import type { Bar } from '../market/types.js'

export const SOURCES = ['open', 'high', 'low', 'close', 'hl2', 'hlc3', 'ohlc4', 'hlcc4'] as const
export type SourceName = typeof SOURCES[number]

export type InputDef =
  | { kind: 'int', key: string, aliases: string[], default: number, min: number, max: number }
  | { kind: 'float', key: string, aliases: string[], default: number, min: number, max: number }
  | { kind: 'source', key: string, aliases: string[], default: SourceName }
  | { kind: 'choice', key: string, aliases: string[], default: string, options: readonly string[] }

export type InputValues = Record<string, number | string>

/** "%K Length" → "klength", "fast_length" → "fastlength". */
export function normalizeKey (key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '')
}

const describe = (value: unknown): string => typeof value === 'string' ? `the string "${value}"` : String(value)

/**
 * Reads `input` against `defs`. Throws ChartError INVALID_REQUEST naming the study, the input and the allowed values
 * for a value out of range or of the wrong type; unknown keys are ignored and reported in `notes`.
 */
export function readInputs (studyName: string, defs: readonly InputDef[], input: Record<string, unknown> | undefined): { values: InputValues, notes: string[] } {
  const values: InputValues = {}
  for (const def of defs) values[def.key] = def.default
  const notes: string[] = []
  const seen = new Map<string, string>()
  for (const [rawKey, value] of Object.entries(input ?? {})) {
    const key = normalizeKey(rawKey)
    const def = defs.find((d) => normalizeKey(d.key) === key || d.aliases.some((a) => normalizeKey(a) === key))
    if (def === undefined) {
      const known = defs.map((d) => d.key).join(', ')
      notes.push(`${studyName}: input "${rawKey}" is not supported and was ignored${known === '' ? ' (this study takes no inputs)' : ` (inputs: ${known})`}`)
      continue
    }
    const earlier = seen.get(def.key)
    if (earlier !== undefined) throw new ChartError('INVALID_REQUEST', `${studyName}: inputs "${earlier}" and "${rawKey}" both set ${def.key}; give it once`)
    seen.set(def.key, rawKey)
    const bad = (allowed: string): ChartError =>
      new ChartError('INVALID_REQUEST', `${studyName}: input "${rawKey}" must be ${allowed} (got ${describe(value)})`)
    switch (def.kind) {
      case 'int':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < def.min || value > def.max) {
          throw bad(`an integer from ${def.min} to ${def.max}`)
        }
        values[def.key] = value
        break
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < def.min || value > def.max) {
          throw bad(`a number from ${def.min} to ${def.max}`)
        }
        values[def.key] = value
        break
      case 'source': {
        const text = typeof value === 'string' ? value.trim().toLowerCase() : ''
        if (!(SOURCES as readonly string[]).includes(text)) throw bad(`one of ${SOURCES.join(', ')}`)
        values[def.key] = text
        break
      }
      case 'choice': {
        const text = typeof value === 'string' ? value.trim().toUpperCase() : ''
        const match = def.options.find((o) => o.toUpperCase() === text)
        if (match === undefined) throw bad(`one of ${def.options.join(', ')}`)
        values[def.key] = match
        break
      }
    }
  }
  return { values, notes }
}

/** The price series a `source` input names, aligned with `bars`. */
export function sourceValues (bars: readonly Bar[], source: SourceName): number[] {
  switch (source) {
    case 'open': return bars.map((b) => b.open)
    case 'high': return bars.map((b) => b.high)
    case 'low': return bars.map((b) => b.low)
    case 'close': return bars.map((b) => b.close)
    case 'hl2': return bars.map((b) => (b.high + b.low) / 2)
    case 'hlc3': return bars.map((b) => (b.high + b.low + b.close) / 3)
    case 'ohlc4': return bars.map((b) => (b.open + b.high + b.low + b.close) / 4)
    case 'hlcc4': return bars.map((b) => (b.high + b.low + 2 * b.close) / 4)
  }
}
