/**
 * Tool log messages (`notifications/message`) sent on the stream of the request that caused them, honouring the
 * level a client chose with `logging/setLevel`. The SDK's own `sendLoggingMessage` filters by level but sends
 * unrelated to any request, so over Streamable HTTP the message lands on the optional GET stream (or nowhere);
 * we keep the level ourselves and send through the request's `sendNotification` instead.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { LoggingLevelSchema, SetLevelRequestSchema, type LoggingLevel, type ServerNotification } from '@modelcontextprotocol/sdk/types.js'

const SEVERITY = new Map(LoggingLevelSchema.options.map((level, index) => [level, index]))
const levels = new WeakMap<McpServer, Map<string, LoggingLevel>>()
const NO_SESSION = ''

/** Installs our logging/setLevel handler on a server (requires the logging capability). Idempotent. */
export function trackLogLevels (server: McpServer): void {
  if (levels.has(server)) return
  const bySession = new Map<string, LoggingLevel>()
  levels.set(server, bySession)
  server.server.setRequestHandler(SetLevelRequestSchema, async (request, extra) => {
    bySession.set(extra.sessionId ?? NO_SESSION, request.params.level)
    return {}
  })
}

export type RequestLogger = (level: LoggingLevel, data: unknown) => Promise<void>

export function requestLogger (
  server: McpServer,
  extra: { sessionId?: string, sendNotification: (n: ServerNotification) => Promise<void> },
  logger = 'chart-img-mcp'
): RequestLogger {
  return async (level, data) => {
    const chosen = levels.get(server)?.get(extra.sessionId ?? NO_SESSION)
    // No level chosen yet: the spec lets the server decide; we send info and above.
    const threshold = SEVERITY.get(chosen ?? 'info') ?? 0
    if ((SEVERITY.get(level) ?? 0) < threshold) return
    await extra.sendNotification({ method: 'notifications/message', params: { level, logger, data } })
  }
}
