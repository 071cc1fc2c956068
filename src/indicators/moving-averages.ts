/**
 * Moving averages as TradingView's Pine built-ins define them (ta.sma, ta.ema, ta.rma, ta.vwma, ta.stdev).
 * Hand-written instead of the `technicalindicators` package: that package drops warm-up values (outputs shorter than
 * inputs), rounds some outputs, and seeds ATR differently from TradingView; these return arrays aligned with the
 * input, `null` during warm-up, which is what a chart needs. The tests check them against that package.
 *
 * Gaps: a `null` input yields `null` and restarts the warm-up of recursive averages (EMA, RMA), like Pine's `na`.
 */
export type Values = ReadonlyArray<number | null>
export type Line = Array<number | null>

export function assertLength (length: number): void {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`length must be a positive integer, got ${length}`)
}

/** Simple moving average of the last `length` values; null while the window is short or holds a null. */
export function sma (values: Values, length: number): Line {
  assertLength(length)
  if (length === 1) return [...values]
  const out: Line = new Array(values.length).fill(null)
  let sum = 0
  let run = 0 // consecutive non-null values ending here
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (value === null) {
      run = 0
      sum = 0
      continue
    }
    sum += value
    run++
    if (run > length) sum -= values[i - length] as number
    if (run >= length) {
      // Re-summing every `length` steps bounds the drift of the running sum over long series.
      if (run % (length * 64) === 0) sum = exactSum(values, i - length + 1, i + 1)
      out[i] = sum / length
    }
  }
  return out
}

function exactSum (values: Values, from: number, to: number): number {
  let s = 0
  for (let j = from; j < to; j++) s += values[j] as number
  return s
}

/**
 * Exponentially weighted average with smoothing `alpha`, seeded with the SMA of its first `length` values (the
 * StockCharts/Wilder convention; TradingView's lines likewise start at bar `length - 1`).
 */
function seededAverage (values: Values, length: number, alpha: number): Line {
  assertLength(length)
  const out: Line = new Array(values.length).fill(null)
  let previous: number | null = null
  let seedSum = 0
  let seedCount = 0
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (value === null) {
      previous = null
      seedSum = 0
      seedCount = 0
      continue
    }
    if (previous === null) {
      seedSum += value
      seedCount++
      if (seedCount === length) previous = seedSum / length
      else continue
    } else {
      previous = alpha * value + (1 - alpha) * previous
    }
    out[i] = previous
  }
  return out
}

/** Exponential moving average, alpha = 2 / (length + 1) (Pine ta.ema). */
export function ema (values: Values, length: number): Line {
  return seededAverage(values, length, 2 / (length + 1))
}

/** Wilder's moving average (RMA, SMMA), alpha = 1 / length, seeded with an SMA (Pine ta.rma). */
export function rma (values: Values, length: number): Line {
  return seededAverage(values, length, 1 / length)
}

/** Population standard deviation over `length` values (Pine ta.stdev with biased = true, as Bollinger Bands use). */
export function stdev (values: Values, length: number): Line {
  assertLength(length)
  const means = sma(values, length)
  const out: Line = new Array(values.length).fill(null)
  for (let i = 0; i < values.length; i++) {
    const mean = means[i]
    if (mean === null) continue
    // Two-pass over the window: exact, and O(n·length) is cheap for chart-sized series.
    let squares = 0
    for (let j = i - length + 1; j <= i; j++) {
      const d = (values[j] as number) - mean
      squares += d * d
    }
    out[i] = Math.sqrt(squares / length)
  }
  return out
}

/** Volume-weighted moving average: sma(source × volume) / sma(volume) (Pine ta.vwma); null where volume sums to 0. */
export function vwma (values: Values, volume: Values, length: number): Line {
  const weighted = values.map((v, i) => (v === null || volume[i] === null ? null : v * (volume[i] as number)))
  const num = sma(weighted, length)
  const den = sma(volume, length)
  return num.map((n, i) => (n === null || den[i] === null || den[i] === 0 ? null : n / (den[i] as number)))
}

/** Shifts a line by `offset` bars (positive = later, as TradingView's offset input); vacated slots become null. */
export function shift (values: Values, offset: number): Line {
  if (offset === 0) return [...values]
  return values.map((_, i) => {
    const j = i - offset
    return j >= 0 && j < values.length ? values[j] : null
  })
}
