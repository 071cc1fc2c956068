/**
 * When generate_chart names a symbol this engine does not have but close matches exist (the same ticker on another
 * exchange, e.g. NYSE:AAPL → NASDAQ:AAPL, or the ticker found in a description), and the caller can answer input
 * requests (ctx.elicit: an elicitation/create round trip on 2025-11-25, MRTR's input_required on 2026-07-28), the
 * tool asks which one was meant instead of failing. Read-only, so it runs before any chart work (an MRTR adapter may
 * run the tool again with the answer).
 */
import type { ChartServiceApi } from '../chart/service-types.js'
import { rankSymbols, tickerOf } from '../chart/suggestions.js'
import type { ElicitationRequest, ElicitationResult } from './types.js'

/** At most this many candidates are offered; more would not be a choice a person reads. */
export const MAX_CANDIDATES = 10

export type SymbolChoice =
  | { kind: 'keep' }
  | { kind: 'chosen', symbol: string }
  | { kind: 'refused', message: string }

/** The input request for a choice among `candidates` (an MCP elicitation form with a single enum field). */
export function symbolQuestion (symbol: string, candidates: string[]): ElicitationRequest {
  return {
    message: `${symbol} is not available. Which of these symbols did you mean?`,
    requestedSchema: {
      type: 'object',
      properties: { symbol: { type: 'string', title: 'Symbol', description: 'The symbol to chart', enum: candidates } },
      required: ['symbol']
    }
  }
}

/**
 * Asks which candidate was meant when `symbol` (EXCHANGE:TICKER, upper case) is unknown and candidates exist; `keep`
 * when the symbol is known or nothing matches (the engine then explains what exists).
 */
export async function chooseSymbol (charts: ChartServiceApi, symbol: string, elicit: (request: ElicitationRequest) => Promise<ElicitationResult>): Promise<SymbolChoice> {
  // The engine finds the symbols that hold the ticker (its symbol search covers descriptions too); the suggestions
  // module orders them the way every "did you mean" does, the same ticker on another exchange first.
  const listing = await charts.listSymbols({ query: tickerOf(symbol), limit: MAX_CANDIDATES })
  const candidates = rankSymbols(symbol, listing.symbols.map((info) => info.symbol))
  if (candidates.length === 0 || candidates.includes(symbol)) return { kind: 'keep' }
  // An exact listing may still hold the symbol when the ticker query's limit cut it off.
  if (listing.total > candidates.length && (await charts.listSymbols({ query: symbol, limit: 1 })).symbols.some((info) => info.symbol === symbol)) {
    return { kind: 'keep' }
  }
  const answer = await elicit(symbolQuestion(symbol, candidates))
  if (answer.action !== 'accept') {
    return { kind: 'refused', message: `No chart made: ${symbol} is not available and no other symbol was chosen (close matches: ${candidates.join(', ')}).` }
  }
  const chosen = answer.content?.symbol
  if (typeof chosen !== 'string' || !candidates.includes(chosen)) {
    return { kind: 'refused', message: `No chart made: the answer ${JSON.stringify(chosen ?? null)} is not one of ${candidates.join(', ')}.` }
  }
  return { kind: 'chosen', symbol: chosen }
}
