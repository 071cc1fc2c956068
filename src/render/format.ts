/** Number formats of the legend and axes, TradingView-like: fixed decimals for prices, K/M/B for volumes. */

/** Decimals that show a price series sensibly: 2 from 1 upwards, more for sub-unit prices. */
export function priceDecimals (values: ReadonlyArray<number | null>): number {
  let max = 0
  for (const v of values) if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v))
  if (max >= 1 || max === 0) return 2
  if (max >= 0.01) return 4
  return 6
}

export function formatPrice (value: number, decimals: number): string {
  return value.toFixed(decimals)
}

/** 1234567 → "1.23M"; small values keep up to 2 decimals. */
export function formatCompact (value: number): string {
  const abs = Math.abs(value)
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']]
  for (const [size, suffix] of units) {
    if (abs >= size) return `${trim((value / size).toFixed(abs / size >= 100 ? 1 : 2))}${suffix}`
  }
  return trim(value.toFixed(abs >= 100 ? 1 : 2))
}

/** A study value: compact when large (OBV, Volume), otherwise 2 decimals (or more when tiny). */
export function formatStudyValue (value: number): string {
  const abs = Math.abs(value)
  if (abs >= 100_000) return formatCompact(value)
  if (abs !== 0 && abs < 0.01) return value.toPrecision(3)
  return value.toFixed(2)
}

function trim (text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** Signed change "+12.34 (+0.45%)" with a real minus sign, as TradingView prints it. */
export function formatChange (change: number, base: number, decimals: number): string {
  const sign = change > 0 ? '+' : change < 0 ? '−' : ''
  const percent = base === 0 ? 0 : (change / base) * 100
  return `${sign}${Math.abs(change).toFixed(decimals)} (${sign}${Math.abs(percent).toFixed(2)}%)`
}
