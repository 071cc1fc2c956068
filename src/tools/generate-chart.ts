import { generateChartInput, normalizeChartRequest } from '../chart/request.js'
import type { ToolDeps } from './deps.js'
import { relayChartProgress } from './progress-relay.js'
import { chooseSymbol } from './symbol-choice.js'
import { defineTool } from './registry.js'
import { text, toolError } from './results.js'
import type { ToolContent, ToolDefinition, ToolResult } from './types.js'

// The summary's labelled lines; readChartSummary reads them back, so the two cannot drift apart.
const REQUEST_LABEL = 'Request: '
const IMAGE_URL_LABEL = 'Image URL: '

/** The request id and image URL named by a generate_chart result's summary (what the chat lists per chart call). */
export function readChartSummary (result: ToolResult): { requestId: string | null, imageUrl: string | null } {
  const first = result.content[0]
  const lines = first?.type === 'text' ? first.text.split('\n') : []
  const valueOf = (label: string): string | null => lines.find((line) => line.startsWith(label))?.slice(label.length) ?? null
  return { requestId: valueOf(REQUEST_LABEL), imageUrl: valueOf(IMAGE_URL_LABEL) }
}

export function generateChartTool ({ charts, bus, config }: ToolDeps): ToolDefinition {
  return defineTool({
    name: 'generate_chart',
    title: 'Generate a trading chart',
    description: 'Draws a chart of a symbol (EXCHANGE:TICKER) with optional studies and drawings and returns the image, ' +
      'its URL and a summary. Progress is reported as notifications/progress (when a progressToken is given) and as ' +
      'chart_progress events on /mcp/events/<clientId>. Use get_available_symbols to see which symbols and intervals exist.',
    inputSchema: generateChartInput,
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: charts.engineName === 'chart-img' },
    // Calls arrive in bursts (an agent asks for ten charts at once): each takes its own event-loop turn.
    turns: charts.turns,
    async run (args, ctx) {
      const request = normalizeChartRequest(args, { storage: config.CHART_IMG_STORAGE })
      if (ctx.elicit !== undefined) {
        const choice = await chooseSymbol(charts, request.symbol, ctx.elicit)
        if (choice.kind === 'refused') return toolError(choice.message)
        if (choice.kind === 'chosen') request.symbol = choice.symbol
      }
      let stopRelay = (): void => {}
      try {
        const outcome = await charts.generate(request, {
          clientId: ctx.caller.clientId,
          owner: ctx.caller.principal,
          signal: ctx.signal,
          onAccepted: (requestId) => {
            stopRelay = relayChartProgress(bus, requestId, ctx.progress, (event) => {
              ctx.log.debug({ requestId, status: event.data.status, error: event.data.error }, event.message)
            })
          }
        })
        if (!outcome.ok) {
          const cause = { code: outcome.code, ...(outcome.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: outcome.retryAfterSeconds }) }
          return toolError(`${outcome.message} (request ${outcome.record.requestId})`, cause)
        }
        const { record, image, imageUrl, notes } = outcome
        const summary = [
          `Chart ready: ${request.symbol} ${request.interval} ${request.style}, ${request.width}x${request.height} ${request.format.toUpperCase()}, ` +
            `${record.engine} engine, ${record.processingTime ?? 0} ms${outcome.cached ? ' (cached)' : ''}.`,
          `${REQUEST_LABEL}${record.requestId}`,
          imageUrl === null ? null : `${IMAGE_URL_LABEL}${imageUrl}`,
          record.expiresAt === null ? null : `Hosted by Chart-IMG until ${record.expiresAt}`,
          ...notes.map((note) => `Note: ${note}`)
        ].filter((line): line is string => line !== null).join('\n')
        const content: ToolContent[] = [text(summary)]
        // MCP image content is raw base64 plus mimeType; a data: URL prefix breaks newer SDK clients (seed defect 1).
        if (image !== null) content.push({ type: 'image', data: image.data.toString('base64'), mimeType: image.mimeType })
        return { content }
      } finally {
        stopRelay()
      }
    }
  })
}
