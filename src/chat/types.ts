/** The shapes of POST /chat (seed 000: `{message}` → `{response, toolCalls}`), shared by both chat modes. */
import type { ToolContext } from '../tools/types.js'

/** One tool call the chat made while answering: what the page lists under the answer. */
export interface ChatToolCall {
  name: string
  arguments: Record<string, unknown>
  isError: boolean
  /** generate_chart only: the chart request's id (also its chart_progress events' requestId). */
  requestId?: string
  /** generate_chart only: where the stored image is served (never the base64 itself). */
  imageUrl?: string
}

/** The answer to one chat message. */
export interface ChatReply {
  response: string
  toolCalls: ChatToolCall[]
  /** Which mode answered: the model agent, or the command syntax. */
  mode: 'agent' | 'commands'
}

/** Answers one message; tool calls run with `ctx` (its caller.clientId routes chart_progress). Never rejects. */
export type ChatResponder = (message: string, ctx: ToolContext) => Promise<ChatReply>
