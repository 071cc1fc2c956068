import { z } from 'zod'
import type { ToolDeps } from './deps.js'
import { defineTool } from './registry.js'
import { json } from './results.js'
import type { ToolDefinition } from './types.js'

const symbolsInput = z.object({
  exchange: z.string().min(1).max(40).optional().describe('e.g. NASDAQ, SP, CBOE'),
  query: z.string().min(1).max(80).optional().describe('Substring of the symbol or its description'),
  limit: z.number().int().min(1).max(500).default(100)
}).strict()

export function availableSymbolsTool ({ charts }: ToolDeps): ToolDefinition {
  return defineTool({
    name: 'get_available_symbols',
    title: 'Available symbols',
    description: 'The symbols this server can chart, each with the intervals and date range it has. Filter by exchange and/or a text query.',
    inputSchema: symbolsInput,
    annotations: { readOnlyHint: true },
    async run ({ exchange, query, limit }) {
      const listing = await charts.listSymbols({ exchange, query, limit })
      return {
        content: [json({
          engine: charts.engineName,
          total: listing.total,
          returned: listing.symbols.length,
          symbols: listing.symbols,
          ...(listing.problems.length > 0 ? { problems: listing.problems } : {})
        })]
      }
    }
  })
}
