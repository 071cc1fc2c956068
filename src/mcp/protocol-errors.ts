/**
 * MCP spec (server/tools, "Error Handling"): an unknown tool or invalid arguments is a protocol error (-32602);
 * only a tool that ran and failed is a result with `isError: true`. SDK 1.32's McpServer turns both into
 * `isError` results, which hides a caller's mistake from clients that only check `error`. This wraps the SDK's
 * own tools/call handler, answering those two cases with -32602 first and leaving everything else to the SDK.
 * It reads two SDK internals (see sdk-internals.ts).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { registeredTools, requestHandlers, type RequestHandler } from './sdk-internals.js'

export function formatZodIssues (issues: ReadonlyArray<{ path: PropertyKey[], message: string }>): string {
  return issues.map((issue) => issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message).join('; ')
}

/** Call after the first tool is registered. Idempotent per server. */
export function enforceToolProtocolErrors (server: McpServer): void {
  const handlers = requestHandlers(server)
  const tools = registeredTools(server)
  const original = handlers.get('tools/call')
  if (original === undefined) throw new Error('enforceToolProtocolErrors: register a tool first')
  if ((original as { protocolErrors?: true }).protocolErrors === true) return

  const wrapped: RequestHandler = async (request, extra) => {
    const name = request.params?.name
    const tool = typeof name === 'string' ? tools[name] : undefined
    if (tool === undefined || !tool.enabled) {
      const known = Object.entries(tools).filter(([, t]) => t.enabled).map(([n]) => n)
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${String(name)}. Available tools: ${known.join(', ')}`)
    }
    if (tool.inputSchema !== undefined) {
      const parsed = tool.inputSchema.safeParse(request.params?.arguments ?? {})
      if (!parsed.success) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid arguments for tool ${name as string}: ${formatZodIssues(parsed.error.issues)}`)
      }
    }
    return await original(request, extra)
  }
  Object.assign(wrapped, { protocolErrors: true })
  handlers.set('tools/call', wrapped)
}
