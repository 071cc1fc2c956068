/**
 * Prompts that turn a plain request ("chart AAPL with RSI") into a well-formed `generate_chart` call, with argument
 * completion (`completion/complete`) for symbols — from the engine's own symbol list — and intervals.
 */
import { completable, type McpServer } from '@modelcontextprotocol/server'
import { z } from 'zod'
import type { McpDeps } from './deps.js'
import { INTERVALS, RANGE_PRESETS } from '../chart/request.js'

/** Most completion values a client is sent (spec 2025-11-25 server/utilities/completion: at most 100). */
const MAX_COMPLETIONS = 20

/** Symbols that start with what was typed come first, then those that merely contain it (ticker or description). */
export async function completeSymbol (deps: McpDeps, typed: string): Promise<string[]> {
  const value = typed.trim().toUpperCase()
  const listing = await deps.charts.listSymbols(value === '' ? { limit: MAX_COMPLETIONS } : { query: value, limit: 100 })
  const symbols = listing.symbols.map((s) => s.symbol)
  if (value === '') return symbols.slice(0, MAX_COMPLETIONS)
  const starts = symbols.filter((s) => s.toUpperCase().startsWith(value) || s.toUpperCase().split(':')[1]?.startsWith(value))
  const rest = symbols.filter((s) => !starts.includes(s))
  return [...starts, ...rest].slice(0, MAX_COMPLETIONS)
}

export function completeInterval (typed: string): string[] {
  // Intervals are case-sensitive (1m = minute, 1M = month): offer exact-prefix matches first, then case-insensitive.
  const exact = INTERVALS.filter((i) => i.startsWith(typed))
  const loose = INTERVALS.filter((i) => !exact.includes(i) && i.toLowerCase().startsWith(typed.toLowerCase()))
  return [...exact, ...loose]
}

// The completer sits inside `.optional()`: the SDK unwraps an optional argument to find it.
const rangeArg = (what: string) => completable(
  z.string(),
  (value) => RANGE_PRESETS.filter((p) => p.startsWith((value ?? '').toUpperCase()))
).optional().describe(what)

/** Argument schemas of both prompts. Immutable, so built once per deps and shared by every session's server. */
function buildArgs (deps: McpDeps) {
  const symbol = (what: string) => completable(
    z.string().describe(`${what} as EXCHANGE:TICKER, e.g. NASDAQ:AAPL`),
    async (value) => await completeSymbol(deps, value ?? '')
  )
  const interval = completable(
    z.string(),
    (value) => completeInterval(value ?? '')
  ).optional().describe(`Bar interval: ${INTERVALS.join(', ')} (default 1D)`)
  return {
    chart: z.object({
      symbol: symbol('Symbol'),
      interval,
      indicators: z.string().optional().describe('Comma-separated indicators, e.g. "RSI 14, MACD, EMA 50, Volume"'),
      range: rangeArg(`Range preset: ${RANGE_PRESETS.join(', ')}`)
    }),
    compare: z.object({
      first: symbol('First symbol'),
      second: symbol('Second symbol'),
      interval,
      range: rangeArg(`Range preset: ${RANGE_PRESETS.join(', ')} (default 1Y)`)
    })
  }
}

// One McpServer per session: without this, 1,000 sessions would hold 1,000 copies of the same schemas.
const argsByDeps = new WeakMap<McpDeps, ReturnType<typeof buildArgs>>()
function argsFor (deps: McpDeps): ReturnType<typeof buildArgs> {
  let args = argsByDeps.get(deps)
  if (args === undefined) {
    args = buildArgs(deps)
    argsByDeps.set(deps, args)
  }
  return args
}

function intervalOrDefault (interval: string | undefined): string {
  return interval !== undefined && (INTERVALS as readonly string[]).includes(interval) ? interval : '1D'
}

export function registerChartPrompts (server: McpServer, deps: McpDeps): void {
  const args = argsFor(deps)
  server.registerPrompt('chart_symbol_with_indicators', {
    title: 'Chart a symbol with indicators',
    description: 'Draw one symbol with the technical indicators you name (e.g. "RSI, MACD, EMA 50")',
    argsSchema: args.chart
  }, ({ symbol, interval, indicators, range }) => {
    const studies = (indicators ?? '').split(',').map((s) => s.trim()).filter(Boolean)
    const lines = [
      `Make a chart of ${symbol} on the ${intervalOrDefault(interval)} interval${range !== undefined && range !== '' ? ` over ${range}` : ''} with the generate_chart tool.`,
      studies.length > 0
        ? `Add these indicators as studies, using TradingView's full study names (for example "Relative Strength Index", "MACD", "Moving Average Exponential" with input {"length": 50}, "Volume"): ${studies.join('; ')}.`
        : 'Add a "Volume" study.',
      'Then describe what the chart shows: the trend, notable levels, and what each indicator says. If the tool reports an error, tell me what to change.'
    ]
    return {
      description: `Chart ${symbol} with ${studies.length > 0 ? studies.join(', ') : 'volume'}`,
      messages: [{ role: 'user', content: { type: 'text', text: lines.join('\n') } }]
    }
  })

  server.registerPrompt('compare_symbols', {
    title: 'Compare two symbols',
    description: 'Chart two symbols on the same interval and range, then compare their moves',
    argsSchema: args.compare
  }, ({ first, second, interval, range }) => {
    const rangeText = range !== undefined && range !== '' ? range : '1Y'
    const text = [
      `Call generate_chart twice with the same settings — interval ${intervalOrDefault(interval)}, range ${rangeText}, style line — once for ${first} and once for ${second}.`,
      'Compare the two charts: overall change over the range, volatility, drawdowns, and whether they moved together. Name dates and price levels you read from the charts.'
    ].join('\n')
    return {
      description: `Compare ${first} and ${second}`,
      messages: [{ role: 'user', content: { type: 'text', text } }]
    }
  })
}
