/**
 * Which per-client SSE channel a tool call's progress goes to. An explicit `X-Client-Id` header wins (a page
 * watching /mcp/events/<id> while calling through any surface); else the MCP session id (2025 Streamable HTTP and
 * legacy SSE sessions get /mcp/events/<sessionId>); else null, which broadcasts to every channel as seed 004 did.
 */
/** Seed 004: the client picks its id (e.g. `mcp_1749698104642_abc123`). Kept to a URL- and log-safe charset. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/
/** The rule in words, for error messages. */
export const CLIENT_ID_RULE = 'clientId must be 1 to 128 characters, each A-Z, a-z, 0-9, "_" or "-"'

export function isValidClientId (value: unknown): value is string {
  return typeof value === 'string' && CLIENT_ID_PATTERN.test(value)
}

/** What the SDK tells a request handler about its request (a subset of the SDK's ServerContext). */
export interface RequestOrigin {
  sessionId?: string
  http?: { req?: { headers: { get: (name: string) => string | null } } }
}

export function resolveClientId (origin: RequestOrigin): string | null {
  const header = origin.http?.req?.headers.get('x-client-id')
  if (isValidClientId(header)) return header
  if (isValidClientId(origin.sessionId)) return origin.sessionId
  return null
}
