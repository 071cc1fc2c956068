/**
 * The five product tools, registered on an McpServer. Every surface (Streamable HTTP, legacy SSE, stdio and the
 * seed JSON-RPC routes) serves these same registrations; there is no second copy of tool logic.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { generateChartInput, normalizeChartRequest } from '../chart/request.js'
import type { ChartRecord } from '../history/types.js'
import type { McpDeps } from './deps.js'
import { enforceToolProtocolErrors } from './protocol-errors.js'
import { createProgressRelay, type ToolExtra } from './progress-relay.js'
import { requestLogger, trackLogLevels } from './request-logging.js'
import { resolveClientId } from './client-id.js'
import { principalIdOf } from '../auth/mcp-auth-info.js'
import { spreadToolCallsOverTurns } from './tool-call-turns.js'

export const TOOL_NAMES = ['generate_chart', 'get_chart_status', 'get_available_symbols', 'get_recent_requests', 'health_check'] as const

const REQUEST_ID = z.string().regex(/^req_\d+_[0-9a-f]+$/, 'must be a request id such as req_1749698104642_1a2b3c4d')

// Schemas live at module level: every MCP session builds its own McpServer, and a schema built per registration
// costs ~10 KB per session, while these are shared.
const chartStatusInput = z.object({ requestId: REQUEST_ID }).strict()
const symbolsInput = z.object({
  exchange: z.string().min(1).max(40).optional().describe('e.g. NASDAQ, SP, CBOE'),
  query: z.string().min(1).max(80).optional().describe('Substring of the symbol or its description'),
  limit: z.number().int().min(1).max(500).default(100)
}).strict()
const recentInput = z.object({ limit: z.number().int().min(1).max(50).default(10).describe('1–50, default 10') }).strict()
const noInput = z.object({}).strict()

function text (value: string): CallToolResult['content'][number] {
  return { type: 'text', text: value }
}

function json (value: unknown): CallToolResult['content'][number] {
  return text(JSON.stringify(value, null, 2))
}

function toolError (message: string): CallToolResult {
  return { content: [text(message)], isError: true }
}

/** What a model needs to know about one request, in one flat object. */
export function describeRecord (record: ChartRecord, imageUrl: string | null): Record<string, unknown> {
  const { request } = record
  return {
    requestId: record.requestId,
    status: record.status,
    symbol: request.symbol,
    interval: request.interval,
    style: request.style,
    size: `${request.width}x${request.height}`,
    format: request.format,
    engine: record.engine,
    createdAt: new Date(record.createdAt).toISOString(),
    startedAt: record.startedAt === null ? null : new Date(record.startedAt).toISOString(),
    completedAt: record.completedAt === null ? null : new Date(record.completedAt).toISOString(),
    processingTime: record.processingTime,
    error: record.error,
    imageUrl,
    expiresAt: record.expiresAt,
    notes: record.notes
  }
}

export function registerChartTools (server: McpServer, deps: McpDeps): void {
  const { charts, config } = deps
  trackLogLevels(server)

  server.registerTool('generate_chart', {
    title: 'Generate a trading chart',
    description: 'Draws a chart of a symbol (EXCHANGE:TICKER) with optional studies and drawings and returns the image, ' +
      'its URL and a summary. Progress is reported as notifications/progress (when a progressToken is given) and as ' +
      'chart_progress events on /mcp/events/<clientId>. Use get_available_symbols to see which symbols and intervals exist.',
    inputSchema: generateChartInput,
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: charts.engineName === 'chart-img' }
  }, async (args, extra: ToolExtra) => {
    const request = normalizeChartRequest(args, { storage: config.CHART_IMG_STORAGE })
    const log = requestLogger(server, extra)
    const relay = createProgressRelay(deps.bus, extra, log)
    try {
      const outcome = await charts.generate(request, {
        clientId: resolveClientId(extra),
        owner: principalIdOf(extra.authInfo),
        signal: extra.signal,
        onAccepted: relay.follow
      })
      await relay.settled()
      if (!outcome.ok) return toolError(`${outcome.message} (request ${outcome.record.requestId})`)
      const { record, image, imageUrl, notes } = outcome
      const summary = [
        `Chart ready: ${request.symbol} ${request.interval} ${request.style}, ${request.width}x${request.height} ${request.format.toUpperCase()}, ` +
          `${record.engine} engine, ${record.processingTime ?? 0} ms${outcome.cached ? ' (cached)' : ''}.`,
        `Request: ${record.requestId}`,
        imageUrl === null ? null : `Image URL: ${imageUrl}`,
        record.expiresAt === null ? null : `Hosted by Chart-IMG until ${record.expiresAt}`,
        ...notes.map((note) => `Note: ${note}`)
      ].filter((line): line is string => line !== null).join('\n')
      const content: CallToolResult['content'] = [text(summary)]
      // MCP image content is raw base64 plus mimeType; a data: URL prefix breaks newer SDK clients (seed defect 1).
      if (image !== null) content.push({ type: 'image', data: image.data.toString('base64'), mimeType: image.mimeType })
      return { content }
    } finally {
      relay.stop()
    }
  })

  server.registerTool('get_chart_status', {
    title: 'Chart request status',
    description: 'Status (pending | rendering | completed | failed), timings, error and image URL of a chart request.',
    inputSchema: chartStatusInput,
    annotations: { readOnlyHint: true }
  }, async ({ requestId }, extra) => {
    const record = charts.status(requestId, principalIdOf(extra.authInfo))
    if (record === undefined) {
      return toolError(`No chart request ${requestId}. It may be older than the history retention (${config.HISTORY_MAX_AGE_DAYS} days / ${config.HISTORY_MAX_ROWS} requests); use get_recent_requests to list known ones.`)
    }
    return { content: [json(describeRecord(record, charts.imageUrl(record)))] }
  })

  server.registerTool('get_available_symbols', {
    title: 'Available symbols',
    description: 'The symbols this server can chart, each with the intervals and date range it has. Filter by exchange and/or a text query.',
    inputSchema: symbolsInput,
    annotations: { readOnlyHint: true }
  }, async ({ exchange, query, limit }) => {
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
  })

  server.registerTool('get_recent_requests', {
    title: 'Recent chart requests',
    description: 'The most recent chart requests, newest first.',
    inputSchema: recentInput,
    annotations: { readOnlyHint: true }
  }, async ({ limit }, extra) => {
    const records = charts.recent(limit, principalIdOf(extra.authInfo))
    return { content: [json({ count: records.length, requests: records.map((r) => describeRecord(r, charts.imageUrl(r))) })] }
  })

  server.registerTool('health_check', {
    title: 'Server health',
    description: 'Whether the server can make charts now: engine in use, connected event clients, uptime, version.',
    inputSchema: noInput,
    annotations: { readOnlyHint: true }
  }, async () => {
    const report = await deps.health()
    return { content: [json(report)], ...(report.status === 'unavailable' ? { isError: true } : {}) }
  })

  enforceToolProtocolErrors(server)
  spreadToolCallsOverTurns(server, charts.turns, ['generate_chart'])
}
