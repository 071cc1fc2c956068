/**
 * The tool registry: the one place a tool call is validated and run. Surfaces (JSON-RPC routes, REST, stdio, both MCP
 * eras) call `call()` and adapt its outcome to their wire format; none of them parses arguments a second time.
 * MCP spec (server/tools, "Error Handling"): an unknown tool or invalid arguments is a protocol error (-32602,
 * ToolCallError here); a tool that ran and failed is a result with `isError: true`.
 */
import { z } from 'zod'
import type { ToolContext, ToolDefinition, ToolDescriptor, ToolResult } from './types.js'
import { isSharedStoreUnavailable } from '../history/types.js'
import { toolError } from './results.js'

/** JSON-RPC "Invalid params": the code MCP uses for an unknown tool or invalid arguments. */
export const INVALID_PARAMS = -32602

/** The caller asked for a tool that does not exist, or sent arguments its schema refuses. */
export class ToolCallError extends Error {
  /** JSON-RPC error code (always -32602). */
  readonly code = INVALID_PARAMS
  readonly reason: 'unknown_tool' | 'invalid_arguments'

  constructor (reason: ToolCallError['reason'], message: string) {
    super(message)
    this.name = 'ToolCallError'
    this.reason = reason
  }
}

/** The call ran past the registry's deadline; its signal was aborted and the caller is answered now. */
export class ToolDeadlineError extends Error {
  readonly toolName: string
  readonly deadlineMs: number

  constructor (toolName: string, deadlineMs: number) {
    super(`${toolName} did not finish within ${Math.round(deadlineMs / 1000)} s and was stopped. Try again, or ask for a simpler chart.`)
    this.name = 'ToolDeadlineError'
    this.toolName = toolName
    this.deadlineMs = deadlineMs
  }
}

/** The caller's signal aborted (it went away, cancelled, or the server is draining) before the tool finished. */
export class ToolCancelledError extends Error {
  constructor (toolName: string) {
    super(`${toolName} was cancelled`)
    this.name = 'ToolCancelledError'
  }
}

export interface ToolRegistryOptions {
  /**
   * The longest any call may run. Past it the tool's signal aborts (a render stops) and `call` rejects with
   * ToolDeadlineError, so no surface can leave a caller waiting forever. Unset: no deadline of the registry's own.
   */
  deadlineMs?: number
}

/** Keeps a generic tool's typing in one place: `defineTool({... inputSchema: s, run: (args) => …})` infers args. */
export function defineTool<S extends z.ZodObject> (tool: ToolDefinition<S>): ToolDefinition {
  return tool as unknown as ToolDefinition
}

/**
 * Zod issues as one line a model can act on: `symbol: must be EXCHANGE:TICKER…; width: Too small…`. One line (unlike
 * z.prettifyError) so it fits a JSON-RPC error message and an HTTP error body alike.
 */
export function formatZodIssues (issues: ReadonlyArray<{ path: PropertyKey[], message: string }>): string {
  return issues.map((issue) => issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message).join('; ')
}

function describeTool (tool: ToolDefinition): ToolDescriptor {
  // draft-7 and the input side of each schema (fields with defaults are optional), as the MCP SDKs convert zod.
  const toJson = (schema: z.ZodObject): Record<string, unknown> => z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toJson(tool.inputSchema),
    ...(tool.outputSchema === undefined ? {} : { outputSchema: toJson(tool.outputSchema) }),
    ...(tool.annotations === undefined ? {} : { annotations: { ...tool.annotations } })
  }
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

const noop = (): void => {}

/** What a caller sees when a tool throws instead of returning a result: the detail goes to the log only. */
export const INTERNAL_FAILURE_TEXT = 'The tool failed because of an internal error; it has been logged. Try again.'

export class ToolRegistry {
  readonly #tools: readonly ToolDefinition[]
  readonly #byName: ReadonlyMap<string, ToolDefinition>
  readonly #deadlineMs: number | undefined
  #descriptors: readonly ToolDescriptor[] | undefined

  /** Throws at boot on a duplicate name. */
  constructor (tools: ToolDefinition[], options: ToolRegistryOptions = {}) {
    const byName = new Map<string, ToolDefinition>()
    for (const tool of tools) {
      if (byName.has(tool.name)) throw new Error(`Two tools are named ${tool.name}`)
      byName.set(tool.name, tool)
    }
    this.#tools = Object.freeze([...tools])
    this.#byName = byName
    this.#deadlineMs = options.deadlineMs
  }

  /** The tools in registration order. */
  list (): readonly ToolDefinition[] {
    return this.#tools
  }

  get (name: string): ToolDefinition | undefined {
    return this.#byName.get(name)
  }

  /** The tool names in registration order. */
  names (): string[] {
    return this.#tools.map((tool) => tool.name)
  }

  /**
   * tools/list entries, built on first use and then shared (deeply frozen: callers may cache their serialisation by
   * identity, as src/jsonrpc-serialize.ts does).
   */
  describe (): readonly ToolDescriptor[] {
    this.#descriptors ??= deepFreeze(this.#tools.map(describeTool))
    return this.#descriptors
  }

  /**
   * Validates `args` once with the tool's schema, then runs it. Rejects with ToolCallError (unknown tool, invalid
   * arguments), ToolDeadlineError (past the deadline), ToolCancelledError (ctx.signal aborted first), or whatever
   * `ctx.elicit` threw; any other failure inside the tool is a ToolResult with `isError: true`.
   */
  async call (name: string, args: unknown, ctx: ToolContext): Promise<ToolResult> {
    const tool = this.#byName.get(name)
    if (tool === undefined) {
      throw new ToolCallError('unknown_tool', `Unknown tool: ${name}. Available tools: ${this.names().join(', ')}`)
    }
    if (tool.turns !== undefined) await tool.turns.run(noop)
    const parsed = tool.inputSchema.safeParse(args ?? {})
    if (!parsed.success) {
      throw new ToolCallError('invalid_arguments', `Invalid arguments for tool ${name}: ${formatZodIssues(parsed.error.issues)}`)
    }
    return await this.#run(tool, parsed.data, ctx)
  }

  async #run (tool: ToolDefinition, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    if (ctx.signal.aborted) throw new ToolCancelledError(tool.name)
    const deadlineMs = this.#deadlineMs
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    let settle: (error: Error) => void = noop
    const stopped = new Promise<never>((_resolve, reject) => { settle = reject })
    const onCallerGone = (): void => {
      controller.abort(ctx.signal.reason)
      settle(new ToolCancelledError(tool.name))
    }
    ctx.signal.addEventListener('abort', onCallerGone, { once: true })
    if (deadlineMs !== undefined) {
      timer = setTimeout(() => {
        const error = new ToolDeadlineError(tool.name, deadlineMs)
        controller.abort(error)
        settle(error)
      }, deadlineMs)
      // A pending deadline must never keep the process alive.
      timer.unref()
    }
    try {
      return await Promise.race([this.#runGuarded(tool, args, { ...ctx, signal: controller.signal }), stopped])
    } finally {
      clearTimeout(timer)
      ctx.signal.removeEventListener('abort', onCallerGone)
    }
  }

  /**
   * A tool that throws (a bug, not a refusal) still answers: an isError result, the detail in the log. What
   * `ctx.elicit` throws is the surface's own signal (e.g. an MRTR adapter's "input required") and reaches the caller
   * of `call` unchanged.
   */
  async #runGuarded (tool: ToolDefinition, args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult> {
    const fromElicit = new WeakSet<object>()
    const { elicit } = ctx
    const guarded: ToolContext = elicit === undefined
      ? ctx
      : {
          ...ctx,
          elicit: async (request) => {
            try {
              return await elicit(request)
            } catch (error) {
              if (typeof error === 'object' && error !== null) fromElicit.add(error)
              throw error
            }
          }
        }
    try {
      return await tool.run(args, guarded)
    } catch (error) {
      if (ctx.signal.aborted || (typeof error === 'object' && error !== null && fromElicit.has(error))) throw error
      // Redis (REDIS_URL) down: not a bug, and the caller can act on it (wait, tell the user).
      if (isSharedStoreUnavailable(error)) {
        ctx.log.warn({ err: error, tool: tool.name }, 'tool failed: shared store unreachable')
        return toolError(error.message, { code: 'SHARED_STORE' })
      }
      ctx.log.error({ err: error, tool: tool.name }, 'tool failed')
      return { content: [{ type: 'text', text: INTERNAL_FAILURE_TEXT }], isError: true }
    }
  }
}
