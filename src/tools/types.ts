/**
 * The tool model every surface shares (JSON-RPC routes, REST, stdio, both MCP eras): plain data and plain functions,
 * free of Fastify and of the MCP SDK, so a tool is written once and each surface only adapts its transport.
 * Shapes follow the MCP spec's tools section (../shared/reference/mcp-2026.md; server/tools in 2025-11-25).
 */
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { TurnQueue } from '../scheduling/turn-queue.js'

/** MCP content blocks as plain data (the JSON shape of the MCP spec's ContentBlock). */
export type ToolContent =
  | { type: 'text', text: string }
  /** Raw base64, never a data: URL (a data: prefix breaks newer SDK clients). */
  | { type: 'image', data: string, mimeType: string }
  | { type: 'resource_link', uri: string, name: string, mimeType?: string, description?: string }

/** A tool's answer: MCP's CallToolResult as plain data. A failure the caller can act on has `isError: true`. */
export interface ToolResult {
  content: ToolContent[]
  structuredContent?: Record<string, unknown>
  isError?: boolean
  /** MCP's `_meta`: what the result says for programs rather than for the model (e.g. FAILURE_META_KEY). */
  _meta?: Record<string, unknown>
}

/** One step of a long tool call; `progress` strictly increases within a call (MCP spec, utilities/progress). */
export interface ProgressUpdate {
  progress: number
  total?: number
  message?: string
}

/** Who calls and where their chart_progress events go. */
export interface ToolCaller {
  /** Authenticated identity; null = open mode / anonymous. */
  principal: string | null
  /** Event channel for chart_progress (X-Client-Id, else MCP session id); null = broadcast to every channel. */
  clientId: string | null
}

/** An MCP elicitation form request. */
export interface ElicitationRequest {
  message: string
  requestedSchema: Record<string, unknown>
}

/** The client's answer to an elicitation request. */
export interface ElicitationResult {
  action: 'accept' | 'decline' | 'cancel'
  content?: Record<string, unknown>
}

/** What a surface hands a tool for one call. */
export interface ToolContext {
  /** Aborted when the caller goes away / cancels / the server drains, or the call passes its deadline. */
  signal: AbortSignal
  caller: ToolCaller
  /** A no-op where the surface carries no progress. */
  progress: (update: ProgressUpdate) => void
  log: Logger
  /**
   * Present only when the surface AND the client can answer an input request (2025: elicitation/create round trip;
   * 2026: MRTR — the adapter may implement it by re-running the tool with the client's inputResponses, so a tool must
   * call elicit before doing side-effecting work).
   */
  elicit?: (request: ElicitationRequest) => Promise<ElicitationResult>
}

/** Behaviour hints for clients (MCP ToolAnnotations); hints, never guarantees. */
export interface ToolAnnotations {
  readOnlyHint?: boolean
  destructiveHint?: boolean
  idempotentHint?: boolean
  openWorldHint?: boolean
}

/** One tool: what a client sees in tools/list, and the function that answers a call. */
export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string
  title: string
  description: string
  inputSchema: S
  outputSchema?: z.ZodObject
  annotations?: ToolAnnotations
  /**
   * For tools called in bursts (generate_chart): validation and the start of `run` wait for their own event-loop
   * turn in this queue, so a burst of calls never holds timers and other sockets back (src/scheduling/turn-queue.ts).
   */
  turns?: TurnQueue
  // Method syntax on purpose: a ToolDefinition<typeof someSchema> must fit in a ToolDefinition[] (parameters of
  // methods are compared bivariantly; the registry only ever passes `run` what `inputSchema` parsed).
  run (args: z.output<S>, ctx: ToolContext): Promise<ToolResult>
}

/** A tools/list entry: the definition with its schemas as JSON Schema. */
export interface ToolDescriptor {
  name: string
  title: string
  description: string
  inputSchema: Record<string, unknown>
  outputSchema?: Record<string, unknown>
  annotations?: ToolAnnotations
}
