/** Small builders for tool results, so every tool words its content the same way. */
import type { ToolContent, ToolResult } from './types.js'

export function text (value: string): ToolContent {
  return { type: 'text', text: value }
}

/** Pretty-printed JSON as text content: what a model reads best, and what the tools have always returned. */
export function json (value: unknown): ToolContent {
  return text(JSON.stringify(value, null, 2))
}

/** A failure the caller can act on (MCP: a result with isError, not a protocol error). */
export function toolError (message: string): ToolResult {
  return { content: [text(message)], isError: true }
}
