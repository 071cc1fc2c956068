/**
 * A fast chart engine for the MCP transport tests (test/mcp/helper.ts): the real app (buildApp) with the real chart
 * service, history and event bus, with this engine in place of the embedded renderer (src/core.ts `CoreOptions.engine`). It draws a 1×1
 * PNG in two stages of `stageMs` each, so a test sets how long a chart takes. The transport layer is under test here,
 * not the chart engines (tested in test/engines).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChartEngine, SymbolInfo, SymbolListing, SymbolQuery } from '../../src/chart/engine.js'
import { ChartError } from '../../src/chart/errors.js'
import { RED_PIXEL_PNG_BASE64 } from '../../src/mcp/fixtures/media.js'

const SYMBOLS: SymbolInfo[] = ['SP:SPX', 'NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:GOOG', 'NASDAQ:MSFT', 'NYSE:IBM'].map((symbol) => {
  const [exchange, ticker] = symbol.split(':')
  return { symbol, exchange, ticker, intervals: ['1D', '1W', '1M'], source: 'test' }
})

/** The fake symbol list (SP:SPX, four NASDAQ stocks, NYSE:IBM) filtered as the engines filter theirs. */
export function listFakeSymbols (query: SymbolQuery): SymbolListing {
  const q = query.query?.toUpperCase()
  const matches = SYMBOLS.filter((s) => (q === undefined || s.symbol.includes(q)) && (query.exchange === undefined || s.exchange === query.exchange))
  return { symbols: matches.slice(0, query.limit ?? 100), total: matches.length, problems: [] }
}

/** True when the fake symbol list has `symbol`. */
export function isFakeSymbol (symbol: string): boolean {
  return SYMBOLS.some((s) => s.symbol === symbol)
}

export interface FakeEngine extends ChartEngine {
  /** Milliseconds each of the two stages of a render takes (default 20). */
  stageMs: number
}

export function createFakeEngine (): FakeEngine {
  const engine: FakeEngine = {
    name: 'local',
    stageMs: 20,
    async render (request, { signal, onStage }) {
      // Each stage stops (rejects) when the call's signal aborts, as the real engines do.
      await sleep(engine.stageMs, undefined, { signal })
      onStage({ status: 'rendering', message: `Drawing ${request.symbol} (fake engine)` })
      await sleep(engine.stageMs, undefined, { signal })
      if (!isFakeSymbol(request.symbol)) throw new ChartError('UNKNOWN_SYMBOL', `Unknown symbol ${request.symbol}`)
      return { kind: 'image', mimeType: 'image/png', data: Buffer.from(RED_PIXEL_PNG_BASE64, 'base64'), width: 1, height: 1, notes: [] }
    },
    listSymbols: async (query) => listFakeSymbols(query),
    status: async () => ({ ready: true, detail: 'fake engine (test)' }),
    close: async () => {}
  }
  return engine
}
