/**
 * The chat without a model: each message is one command (src/chat/commands.ts) run as one tool call through the
 * registry, its result worded for a person. Nothing is invented: every line comes from a tool result.
 */
import type { ToolRegistry } from '../tools/registry.js'
import { COMMAND_HELP, parseCommand } from './commands.js'
import { runChatTool } from './tool-calls.js'
import type { ChatResponder } from './types.js'

interface SymbolLine { symbol: string, description?: string, intervals?: string[], from?: string, to?: string }
interface RecordLine { requestId: string, status: string, symbol: string, interval: string, style: string, createdAt: string, error?: string | null, imageUrl?: string | null }

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function recordLine (record: RecordLine): string {
  const tail = record.status === 'failed' && typeof record.error === 'string' ? ` — ${record.error}` : record.imageUrl != null ? ` — ${record.imageUrl}` : ''
  return `${record.requestId}  ${record.status}  ${record.symbol} ${record.interval} ${record.style}  ${record.createdAt}${tail}`
}

/** A successful read-only tool's JSON as lines a person scans; its own text when the shape is not the expected one. */
function wordResult (tool: string, text: string): string {
  const value = parseJson(text) as Record<string, unknown> | undefined
  if (tool === 'get_available_symbols' && Array.isArray(value?.symbols)) {
    const symbols = value.symbols as SymbolLine[]
    if (symbols.length === 0) return 'No symbol matches. Try `symbols` alone for the whole list.'
    const lines = symbols.map((s) => `${s.symbol}${s.description === undefined ? '' : ` — ${s.description}`}${s.intervals === undefined ? '' : ` (${s.intervals.join(' ')})`}${s.from === undefined ? '' : ` ${s.from.slice(0, 10)} → ${s.to?.slice(0, 10) ?? ''}`}`)
    return [`${String(value.total)} symbol(s)${value.total !== symbols.length ? `, first ${symbols.length}` : ''}:`, ...lines].join('\n')
  }
  if (tool === 'get_recent_requests' && Array.isArray(value?.requests)) {
    const requests = value.requests as RecordLine[]
    return requests.length === 0 ? 'No chart requests yet. Try `chart SP:SPX 1W candle`.' : [`${requests.length} recent request(s), newest first:`, ...requests.map(recordLine)].join('\n')
  }
  if (tool === 'get_chart_status' && typeof value?.requestId === 'string') {
    return Object.entries(value).filter(([, v]) => v !== null && !(Array.isArray(v) && v.length === 0)).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join('; ') : String(v)}`).join('\n')
  }
  return text
}

export function createCommandChat (tools: ToolRegistry): ChatResponder {
  return async function answer (message, ctx) {
    const command = parseCommand(message)
    if (command.kind === 'help') return { response: COMMAND_HELP, toolCalls: [], mode: 'commands' }
    if (command.kind === 'invalid') return { response: `${command.message}\n\n${COMMAND_HELP}`, toolCalls: [], mode: 'commands' }
    const { call, text } = await runChatTool(tools, command.tool, command.arguments, ctx)
    return { response: call.isError ? text : wordResult(command.tool, text), toolCalls: [call], mode: 'commands' }
  }
}
