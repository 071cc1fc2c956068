/**
 * When generate_chart names a symbol the engine does not have and the caller can answer an input request
 * (ToolContext.elicit: a 2025 elicitation/create round trip or 2026-07-28 MRTR), it asks which of the symbols that
 * match the ticker was meant, instead of failing. Runs before any side effect: under MRTR the tool is run again
 * with the answer.
 */
import type { ChartServiceApi } from '../chart/service-types.js'
import type { ToolContext } from './types.js'

/** Most candidates offered in one question. */
export const MAX_SYMBOL_CHOICES = 10

export type SymbolChoice =
  | { ok: true, symbol: string }
  | { ok: false, message: string }

export async function chooseSymbol (charts: ChartServiceApi, symbol: string, elicit: NonNullable<ToolContext['elicit']>): Promise<SymbolChoice> {
  const ticker = symbol.slice(symbol.indexOf(':') + 1)
  const listing = await charts.listSymbols({ query: ticker, limit: MAX_SYMBOL_CHOICES })
  const candidates = listing.symbols.map((s) => s.symbol)
  // Known, or nothing close to offer: the engine answers as usual.
  if (candidates.length === 0 || candidates.includes(symbol)) return { ok: true, symbol }
  const answer = await elicit({
    message: `${symbol} is not available. Which symbol did you mean?`,
    requestedSchema: {
      type: 'object',
      properties: { symbol: { type: 'string', title: 'Symbol', description: 'EXCHANGE:TICKER', enum: candidates } },
      required: ['symbol']
    }
  })
  const chosen = answer.content?.symbol
  if (answer.action === 'accept' && typeof chosen === 'string' && candidates.includes(chosen)) return { ok: true, symbol: chosen }
  return { ok: false, message: `No chart made: ${symbol} is not available and no other symbol was chosen. Symbols matching ${ticker}: ${candidates.join(', ')}.` }
}
