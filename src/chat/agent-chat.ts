/**
 * The chat with a model: a tool-calling loop over this server's tool registry (OpenAI Chat Completions function
 * calling: the model asks for `tool_calls`, each is run through the registry and answered with a `role: "tool"`
 * message, until the model answers in text). Only the registry's tools run; a tool the registry does not have is
 * answered to the model as an error, never executed. Rounds and calls are bounded so a looping model ends.
 */
import type { ToolRegistry } from '../tools/registry.js'
import { ModelEndpointError, type CompleteChat, type ModelMessage, type ModelTool } from './model-client.js'
import { runChatTool } from './tool-calls.js'
import type { ChatResponder, ChatToolCall } from './types.js'

/** Model requests per message: enough for "list symbols, then chart two of them, then answer". */
export const MAX_MODEL_ROUNDS = 6
/** Tool calls per message, over all rounds. */
export const MAX_TOOL_CALLS = 12

const SYSTEM_PROMPT = [
  'You are the assistant of chart-img-mcp, a server that draws trading charts. Use its tools to answer: ',
  'get_available_symbols for what can be charted, generate_chart to draw (symbol as EXCHANGE:TICKER), ',
  'get_recent_requests and get_chart_status for past requests. Charts you make are shown to the user under your ',
  'answer, so describe them briefly instead of repeating URLs. Never invent prices or data: say only what the tools returned.'
].join('')

/** The registry's tools as Chat Completions function tools (their input JSON Schemas as `parameters`). */
export function modelToolsOf (tools: ToolRegistry): ModelTool[] {
  return tools.describe().map((tool) => {
    // `$schema` is metadata some OpenAI-compatible servers refuse inside `parameters`.
    const { $schema: _schema, ...parameters } = tool.inputSchema
    return { type: 'function', function: { name: tool.name, description: tool.description, parameters } }
  })
}

function parseArguments (text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
  } catch {
    return null
  }
}

export function createAgentChat (tools: ToolRegistry, complete: CompleteChat): ChatResponder {
  const modelTools = modelToolsOf(tools)
  const known = new Set(tools.names())

  return async function answer (message, ctx) {
    const messages: ModelMessage[] = [{ role: 'system', content: SYSTEM_PROMPT }, { role: 'user', content: message }]
    const toolCalls: ChatToolCall[] = []
    for (let round = 0; round < MAX_MODEL_ROUNDS; round++) {
      let reply
      try {
        reply = await complete(messages, modelTools, ctx.signal)
      } catch (error) {
        // The caller went away (or the server is draining): nobody reads an answer, and this is no failure to log.
        if (ctx.signal.aborted) return { response: 'Cancelled.', toolCalls, mode: 'agent' }
        if (!(error instanceof ModelEndpointError)) throw error
        ctx.log.warn({ err: error.message }, 'chat model request failed')
        return { response: `${error.message} No answer from the model; try again, or check LLM_BASE_URL / LLM_MODEL.`, toolCalls, mode: 'agent' }
      }
      if (reply.toolCalls.length === 0) return { response: reply.content ?? '', toolCalls, mode: 'agent' }
      messages.push({ role: 'assistant', content: reply.content, tool_calls: reply.toolCalls })
      for (const request of reply.toolCalls) {
        const { name } = request.function
        const args = parseArguments(request.function.arguments)
        let content: string
        if (!known.has(name)) {
          content = `Error: there is no tool named ${JSON.stringify(name)}. Available tools: ${[...known].join(', ')}.`
          toolCalls.push({ name, arguments: args ?? {}, isError: true })
        } else if (args === null) {
          content = 'Error: the arguments are not a JSON object. Send the arguments as a JSON object matching the tool\'s schema.'
          toolCalls.push({ name, arguments: {}, isError: true })
        } else if (toolCalls.length >= MAX_TOOL_CALLS) {
          content = `Error: not run — this message already made ${MAX_TOOL_CALLS} tool calls. Answer with what you have.`
        } else {
          const outcome = await runChatTool(tools, name, args, ctx)
          toolCalls.push(outcome.call)
          content = outcome.call.isError ? `Error: ${outcome.text}` : outcome.text
        }
        messages.push({ role: 'tool', tool_call_id: request.id, content })
      }
    }
    return { response: `Stopped after ${MAX_MODEL_ROUNDS} rounds of tool calls without a final answer from the model. The calls made are listed below.`, toolCalls, mode: 'agent' }
  }
}
