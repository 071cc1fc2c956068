/**
 * One tool call on the chat's behalf, through the tool registry (the only way the chat does anything), turned into
 * the entry listed in the reply and the text a person or a model reads. Images stay out of both: the entry names the
 * chart's image URL instead.
 */
import { callTool } from '../jsonrpc-methods.js'
import { readChartSummary } from '../tools/generate-chart.js'
import type { ToolRegistry } from '../tools/registry.js'
import type { ToolContext } from '../tools/types.js'
import type { ChatToolCall } from './types.js'

/** A finished call: its reply entry and its outcome as text. */
export interface ChatToolOutcome {
  call: ChatToolCall
  text: string
}

export async function runChatTool (tools: ToolRegistry, name: string, args: Record<string, unknown>, ctx: ToolContext): Promise<ChatToolOutcome> {
  const outcome = await callTool(tools, name, args, ctx)
  if (!outcome.ok) return { call: { name, arguments: args, isError: true }, text: outcome.message }
  const { result } = outcome
  const call: ChatToolCall = { name, arguments: args, isError: result.isError === true }
  if (name === 'generate_chart') {
    const { requestId, imageUrl } = readChartSummary(result)
    if (requestId !== null) call.requestId = requestId
    if (imageUrl !== null) call.imageUrl = imageUrl
  }
  const text = result.content.flatMap((block) => block.type === 'text' ? [block.text] : []).join('\n')
  return { call, text }
}
