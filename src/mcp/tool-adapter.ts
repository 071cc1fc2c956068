/**
 * Serves the tool registry (src/tools) on an McpServer: `tools/list` from the registry's descriptors and
 * `tools/call` straight into `registry.call` (which validates the arguments, once). Set with the SDK's public
 * `setRequestHandler`, not McpServer.registerTool: registerTool would validate the arguments a second time and
 * turn a caller's mistake into an `isError` result, where the spec wants -32602 (server/tools §"Error Handling").
 *
 * What the SDK's request context becomes for a tool (ToolContext):
 * - `signal`: the SDK's (2025: notifications/cancelled or session end; 2026: the response stream closed);
 * - `progress`: `notifications/progress` on the request's own stream when the caller sent a progressToken, plus a
 *   log line (`notifications/message`, only where the client asked for logs: setLevel in 2025, `logLevel` in 2026);
 * - `caller.clientId`: `X-Client-Id`, else the 2025 session id (src/mcp/client-id.ts);
 * - `elicit`, only when the client declared elicitation: a server→client `elicitation/create` in 2025, and in 2026
 *   an `input_required` result (MRTR): the call is answered with the question and a sealed `requestState`
 *   (src/mcp/request-state.ts) carrying the answers so far; the client's retry runs the tool again, and each
 *   `elicit` returns the recorded answer until a new question is reached.
 *
 * MCP-only tools (the conformance fixtures) are served by the same two handlers.
 */
import { createHash } from 'node:crypto'
import {
  inputRequired, ProtocolError, ProtocolErrorCode,
  type CallToolResult, type InputRequiredResult, type McpServer, type ServerContext, type Tool
} from '@modelcontextprotocol/server'
import type { Logger } from 'pino'
import { z } from 'zod'
import { ToolCallError, ToolDeadlineError, type ToolRegistry } from '../tools/registry.js'
import type { ElicitationRequest, ElicitationResult, ToolContext, ToolResult } from '../tools/types.js'
import { resolveClientId } from './client-id.js'
import { SHUTTING_DOWN_CODE, SHUTTING_DOWN_MESSAGE, type InFlightCalls } from './in-flight.js'
import { declaredClientCapabilities, principalOf, requestStateCodec } from './request-state.js'

export type McpEra = 'legacy' | 'modern'

/** A tool that exists only on MCP (the conformance fixtures): it gets the SDK's context itself. */
export interface McpOnlyTool<S extends z.ZodObject = z.ZodObject> {
  name: string
  title?: string
  description: string
  inputSchema: S
  /** The schema listed in tools/list when it says more than zod can express (JSON Schema 2020-12 conditionals). */
  listedInputSchema?: Record<string, unknown>
  run (args: z.output<S>, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult>
}

export interface ToolServing {
  registry: ToolRegistry
  era: McpEra
  log: Logger
  /** The process's in-flight calls, drained when the app closes. */
  inFlight: InFlightCalls
  /** MCP-only tools, listed before the registry's. */
  extra?: readonly McpOnlyTool[]
}

/** What a 2026 MRTR round carries in its sealed requestState. */
interface ElicitationState {
  tool: string
  /** SHA-256 of the call's arguments: a state is only good for the call it was minted for. */
  args: string
  answers: ElicitationResult[]
}

const elicitationResult = z.object({
  action: z.enum(['accept', 'decline', 'cancel']),
  content: z.record(z.string(), z.unknown()).optional()
})

/** The question a tool asked that this round cannot answer: the call ends with input_required. */
interface PendingQuestion {
  key: string
  request: ElicitationRequest
}

/** The `logger` of our notifications/message. */
const LOGGER = 'chart-img-mcp'

const inputKey = (index: number): string => `elicitation_${index}`

function digest (args: unknown): string {
  return createHash('sha256').update(JSON.stringify(args ?? {})).digest('base64url')
}

// Listings are immutable per registry (and fixture list): build them once, not per session or request.
const listings = new WeakMap<ToolRegistry, Map<readonly McpOnlyTool[] | undefined, Tool[]>>()
function listingOf (registry: ToolRegistry, extra: readonly McpOnlyTool[] | undefined): Tool[] {
  let byExtra = listings.get(registry)
  if (byExtra === undefined) listings.set(registry, byExtra = new Map())
  let tools = byExtra.get(extra)
  if (tools === undefined) {
    // MCP-only tools first: with the conformance fixtures on, harness checks that call "the first listed tool" with
    // no arguments (http-header-validation) then reach a fixture rather than generate_chart, which needs a symbol.
    tools = [
      ...(extra ?? []).map((tool): Tool => ({
        name: tool.name,
        ...(tool.title === undefined ? {} : { title: tool.title }),
        description: tool.description,
        inputSchema: (tool.listedInputSchema ?? z.toJSONSchema(tool.inputSchema, { target: 'draft-2020-12', io: 'input' })) as Tool['inputSchema']
      })),
      ...registry.describe() as Tool[]
    ]
    byExtra.set(extra, tools)
  }
  return tools
}

function progressOf (ctx: ServerContext): { report: ToolContext['progress'], settled: () => Promise<void> } {
  const token = ctx.mcpReq._meta?.progressToken
  let chain: Promise<void> = Promise.resolve()
  return {
    report (update) {
      chain = chain.then(async () => {
        if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, ...update } })
        if (update.message !== undefined) await ctx.mcpReq.log('info', { message: update.message, progress: update.progress, total: update.total }, LOGGER)
      }).catch(() => {
        // The client went away mid-call; the result (if any) will fail the same way. Nothing to report here.
      })
    },
    settled: async () => { await chain }
  }
}

export function serveTools (server: McpServer, serving: ToolServing): void {
  const { registry, extra } = serving
  const extraByName = new Map((extra ?? []).map((tool) => [tool.name, tool]))

  server.server.setRequestHandler('tools/list', async () => ({ tools: listingOf(registry, extra) }))

  server.server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params
    const args = request.params.arguments ?? {}
    const mcpOnly = extraByName.get(name)
    if (mcpOnly !== undefined) {
      const parsed = mcpOnly.inputSchema.safeParse(args)
      if (!parsed.success) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid arguments for tool ${name}: ${z.prettifyError(parsed.error)}`)
      return await mcpOnly.run(parsed.data, ctx)
    }

    if (serving.inFlight.draining) throw new ProtocolError(SHUTTING_DOWN_CODE, SHUTTING_DOWN_MESSAGE)
    return await serving.inFlight.track(async (draining) => await callRegistryTool(server, serving, name, args, ctx, draining))
  })
}

async function callRegistryTool (server: McpServer, serving: ToolServing, name: string, args: Record<string, unknown>, ctx: ServerContext,
  draining: AbortSignal): Promise<CallToolResult | InputRequiredResult> {
  const { registry, era } = serving
  const local = new AbortController()
  const progress = progressOf(ctx)
  let pending: PendingQuestion | undefined
  let state: ElicitationState | undefined
  const toolContext: ToolContext = {
    signal: AbortSignal.any([ctx.mcpReq.signal, local.signal, draining]),
    caller: { principal: principalOf(ctx), clientId: resolveClientId(ctx) },
    progress: progress.report,
    log: serving.log
  }
  if (era === 'legacy') {
    if (server.server.getClientCapabilities()?.elicitation !== undefined) {
      toolContext.elicit = async ({ message, requestedSchema }) => {
        const answer = await ctx.mcpReq.elicitInput({ mode: 'form', message, requestedSchema: requestedSchema as never })
        return elicitationResult.parse(answer)
      }
    }
  } else if (declaredClientCapabilities(ctx)?.elicitation !== undefined) {
    state = ctx.mcpReq.requestState<ElicitationState>()
    const callDigest = digest(args)
    if (state !== undefined && (state.tool !== name || state.args !== callDigest || !Array.isArray(state.answers))) {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid requestState: it was issued for a different call; start the call again without it')
    }
    const answers = state?.answers ?? []
    state = { tool: name, args: callDigest, answers: [...answers] }
    const round = state
    let asked = 0
    toolContext.elicit = async (question) => {
      const index = asked++
      if (index < round.answers.length) return round.answers[index]
      const response = index === answers.length && ctx.mcpReq.requestState() !== undefined ? ctx.mcpReq.inputResponses?.[inputKey(index)] : undefined
      const parsed = elicitationResult.safeParse(response)
      if (parsed.success) {
        round.answers.push(parsed.data)
        return parsed.data
      }
      pending = { key: inputKey(index), request: question }
      // The tool stops here: its work resumes when the client retries with the answer.
      local.abort(new Error('waiting for the client to answer an input request'))
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, 'input required')
    }
  }

  let result: ToolResult | undefined
  try {
    result = await registry.call(name, args, toolContext)
  } catch (error) {
    if (pending === undefined) {
      if (error instanceof ToolCallError) throw new ProtocolError(ProtocolErrorCode.InvalidParams, error.message)
      // Stopped by the drain: an answer the client can act on, sent before the stream or session closes.
      if (draining.aborted) throw new ProtocolError(SHUTTING_DOWN_CODE, SHUTTING_DOWN_MESSAGE)
      // Past the registry's deadline: a result the model can act on (the message says what to do).
      if (error instanceof ToolDeadlineError) result = { content: [{ type: 'text', text: error.message }], isError: true }
      else throw error
    }
  }
  await progress.settled()
  if (result?.isError === true) {
    const first = result.content[0]
    await ctx.mcpReq.log('error', { tool: name, message: first?.type === 'text' ? first.text : 'failed' }, LOGGER).catch(() => {})
  }
  if (pending !== undefined && state !== undefined) {
    return inputRequired({
      inputRequests: { [pending.key]: inputRequired.elicit({ message: pending.request.message, requestedSchema: pending.request.requestedSchema as never }) },
      requestState: await requestStateCodec.mint({ ...state }, ctx)
    })
  }
  return result as CallToolResult
}
