/**
 * Calls to the chart tools arrive in bursts: an agent asks for ten charts at once, or a dashboard reloads. Node reads
 * every request that is ready in one poll phase, and without this each one is parsed, validated (three zod passes:
 * the SDK's request schema, our protocol-error check, the McpServer's own), recorded and announced right there, back
 * to back: 120 requests held timers, heartbeats included, for ~100 ms. Wrapped here, the tools named take one
 * event-loop turn each (src/scheduling/turn-queue.ts) before any of that work, so timers and other sockets run
 * between any two. Cheap tools are left alone: a turn each would cap them at one call per loop iteration.
 * Wraps the outermost tools/call handler, so call it after enforceToolProtocolErrors.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { TurnQueue } from '../scheduling/turn-queue.js'
import { requestHandlers, type RequestHandler } from './sdk-internals.js'

const noop = (): void => {}

export function spreadToolCallsOverTurns (server: McpServer, turns: TurnQueue, toolNames: readonly string[]): void {
  const handlers = requestHandlers(server)
  const inner = handlers.get('tools/call')
  if (inner === undefined) throw new Error('spreadToolCallsOverTurns: register the tools first')
  const heavy = new Set(toolNames)
  const wrapped: RequestHandler = async (request, extra) => {
    const name = request.params?.name
    if (typeof name === 'string' && heavy.has(name)) await turns.run(noop)
    return await inner(request, extra)
  }
  handlers.set('tools/call', wrapped)
}
