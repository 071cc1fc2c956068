/** Technical indicators: pure functions over number arrays, outputs aligned with inputs (null during warm-up). */
export { sma, ema, rma, stdev, vwma, shift, type Line, type Values } from './moving-averages.js'
export { bollinger, rsi, macd, stochastic, trueRange, atr, obv, type BollingerLines, type MacdLines, type StochasticLines, type AtrSmoothing } from './oscillators.js'
