/**
 * Oscillators and volatility/volume indicators, defined as TradingView's Pine built-ins (ta.rsi, ta.macd, ta.stoch,
 * ta.atr, ta.obv). Outputs are aligned with the inputs; null during warm-up.
 */
import { assertLength, ema, rma, sma, stdev, type Line, type Values } from './moving-averages.js'

export interface BollingerLines { upper: Line, middle: Line, lower: Line }

/** Bollinger Bands: basis = SMA(length), bands = basis ± mult × population stdev (TradingView "Bollinger Bands"). */
export function bollinger (values: Values, length: number, mult: number): BollingerLines {
  const middle = sma(values, length)
  const deviation = stdev(values, length)
  return {
    middle,
    upper: middle.map((m, i) => (m === null ? null : m + mult * (deviation[i] as number))),
    lower: middle.map((m, i) => (m === null ? null : m - mult * (deviation[i] as number)))
  }
}

/**
 * Relative Strength Index with Wilder smoothing (Pine ta.rsi): RMA of gains / RMA of losses over `length` changes,
 * the first value at index `length` (seeded with the simple average of the first `length` changes, as Wilder did).
 * 100 when there were no losses, 0 when there were no gains.
 */
export function rsi (values: Values, length: number): Line {
  const gains: Line = [null]
  const losses: Line = [null]
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1]
    const b = values[i]
    if (a === null || b === null) {
      gains.push(null)
      losses.push(null)
      continue
    }
    gains.push(Math.max(b - a, 0))
    losses.push(Math.max(a - b, 0))
  }
  const up = rma(gains.slice(0, values.length), length)
  const down = rma(losses.slice(0, values.length), length)
  return up.map((u, i) => {
    const d = down[i]
    if (u === null || d === null) return null
    if (d === 0) return 100
    if (u === 0) return 0
    return 100 - 100 / (1 + u / d)
  })
}

export interface MacdLines { macd: Line, signal: Line, histogram: Line }

/** MACD (Pine ta.macd): EMA(fast) − EMA(slow); signal = EMA(signal) of that line; histogram = macd − signal. */
export function macd (values: Values, fast: number, slow: number, signal: number): MacdLines {
  const fastLine = ema(values, fast)
  const slowLine = ema(values, slow)
  const line = fastLine.map((f, i) => (f === null || slowLine[i] === null ? null : f - (slowLine[i] as number)))
  const signalLine = ema(line, signal)
  return {
    macd: line,
    signal: signalLine,
    histogram: line.map((m, i) => (m === null || signalLine[i] === null ? null : m - (signalLine[i] as number)))
  }
}

export interface StochasticLines { k: Line, d: Line }

/**
 * Stochastic (TradingView "Stochastic"): raw %K = 100 × (close − lowest low) / (highest high − lowest low) over
 * `kLength` bars; %K = SMA(raw, kSmoothing); %D = SMA(%K, dSmoothing). A flat window (no range) gives null, as
 * Pine's division by zero gives na.
 */
export function stochastic (high: Values, low: Values, close: Values, kLength: number, kSmoothing: number, dSmoothing: number): StochasticLines {
  assertLength(kLength)
  const raw: Line = new Array(close.length).fill(null)
  for (let i = kLength - 1; i < close.length; i++) {
    let highest = -Infinity
    let lowest = Infinity
    let gap = false
    for (let j = i - kLength + 1; j <= i; j++) {
      const h = high[j]
      const l = low[j]
      if (h === null || l === null) {
        gap = true
        break
      }
      if (h > highest) highest = h
      if (l < lowest) lowest = l
    }
    const c = close[i]
    if (gap || c === null || highest === lowest) continue
    raw[i] = 100 * (c - lowest) / (highest - lowest)
  }
  const k = sma(raw, kSmoothing)
  return { k, d: sma(k, dSmoothing) }
}

/** True range; the first bar (no previous close) uses high − low, as Pine's ta.atr does. */
export function trueRange (high: Values, low: Values, close: Values): Line {
  return high.map((h, i) => {
    const l = low[i]
    if (h === null || l === null) return null
    const previousClose = i > 0 ? close[i - 1] : null
    if (previousClose === null) return h - l
    return Math.max(h - l, Math.abs(h - previousClose), Math.abs(l - previousClose))
  })
}

export type AtrSmoothing = 'RMA' | 'SMA' | 'EMA'

/** Average True Range: RMA (Wilder, TradingView's default) of the true range; first value at index length − 1. */
export function atr (high: Values, low: Values, close: Values, length: number, smoothing: AtrSmoothing = 'RMA'): Line {
  const tr = trueRange(high, low, close)
  if (smoothing === 'SMA') return sma(tr, length)
  if (smoothing === 'EMA') return ema(tr, length)
  return rma(tr, length)
}

/**
 * On Balance Volume (Pine ta.obv): running sum of volume signed by the close's change; 0 on the first bar.
 * A bar without volume adds nothing and is null itself.
 */
export function obv (close: Values, volume: Values): Line {
  const out: Line = []
  let total = 0
  for (let i = 0; i < close.length; i++) {
    const v = volume[i]
    const c = close[i]
    if (v === null || c === null) {
      out.push(null)
      continue
    }
    const previous = i > 0 ? close[i - 1] : null
    if (previous !== null) total += Math.sign(c - previous) * v
    out.push(total)
  }
  return out
}
