/** Small builders for tool results, so every tool words its content the same way. */
import type { ToolContent, ToolResult } from './types.js'

export function text (value: string): ToolContent {
  return { type: 'text', text: value }
}

/** Pretty-printed JSON as text content: what a model reads best, and what the tools have always returned. */
export function json (value: unknown): ToolContent {
  return text(JSON.stringify(value, null, 2))
}

/**
 * `_meta` key of a failed result's machine-readable cause, `{ code, retryAfterSeconds? }` (ChartFailure without its
 * message): surfaces that answer with a status, such as the image route, tell a bad request (4xx) from a server that
 * cannot serve it now (5xx, Retry-After) by it, and programs may too. Prefixed as MCP asks of `_meta` keys.
 */
export const FAILURE_META_KEY = 'chart-img-mcp/failure'

export interface FailureMeta {
  code: string
  retryAfterSeconds?: number
}

/** A failure the caller can act on (MCP: a result with isError, not a protocol error), with its cause when known. */
export function toolError (message: string, cause?: FailureMeta): ToolResult {
  return { content: [text(message)], isError: true, ...(cause === undefined ? {} : { _meta: { [FAILURE_META_KEY]: cause } }) }
}

/** The machine-readable cause of a failed result (FAILURE_META_KEY), if it has one. */
export function failureCauseOf (result: ToolResult): FailureMeta | undefined {
  const cause = result._meta?.[FAILURE_META_KEY] as FailureMeta | undefined
  return typeof cause?.code === 'string' ? cause : undefined
}
