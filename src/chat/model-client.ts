/**
 * A minimal client of the OpenAI Chat Completions API (POST {base}/chat/completions with `tools`, streamed or not),
 * which OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter…) also answer. Plain fetch instead
 * of the `openai` package: the agent needs one request shape, and the package (several MB, its own retry and
 * streaming layers) would add weight without removing code. Reference: platform.openai.com/docs/api-reference/chat.
 * The API key only ever goes into the Authorization header: it is never logged or echoed in an error.
 * Streaming (`stream: true`, LLM_STREAM) is parsed by src/chat/model-stream.ts.
 */
import { readStreamedReply } from './model-stream.js'

/** A tool call as the model asks for it: `arguments` is JSON text written by the model (possibly invalid). */
export interface ModelToolCall {
  id: string
  type: 'function'
  function: { name: string, arguments: string }
}

/** The messages the agent sends (the subset of the API's message union it uses). */
export type ModelMessage =
  | { role: 'system' | 'user', content: string }
  | { role: 'assistant', content: string | null, tool_calls?: ModelToolCall[] }
  | { role: 'tool', tool_call_id: string, content: string }

/** A function tool offered to the model: the registry's JSON Schema as `parameters`. */
export interface ModelTool {
  type: 'function'
  function: { name: string, description: string, parameters: Record<string, unknown> }
}

/** What the model answered: text, tool calls, or both. */
export interface ModelReply {
  content: string | null
  toolCalls: ModelToolCall[]
}

/** The endpoint failed or answered something unusable; `message` is safe to show a user (no key, no stack). */
export class ModelEndpointError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ModelEndpointError'
  }
}

export interface ModelClientOptions {
  baseUrl: string
  apiKey?: string
  model: string
  timeoutMs: number
  /** Send `stream: true` and assemble the reply from the server-sent chunks. */
  stream: boolean
}

export type CompleteChat = (messages: ModelMessage[], tools: ModelTool[], signal: AbortSignal) => Promise<ModelReply>

export function errorDetail (body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string, message?: unknown }
    const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message ?? parsed.message
    if (typeof message === 'string') return message.slice(0, 300)
  } catch {}
  return body.trim().slice(0, 300)
}

function isToolCall (value: unknown): value is ModelToolCall {
  const call = value as Partial<ModelToolCall> | null
  return typeof call?.id === 'string' && typeof call.function?.name === 'string' && typeof call.function.arguments === 'string'
}

export function createModelClient (options: ModelClientOptions): CompleteChat {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`
  const host = new URL(url).host
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: options.stream ? 'text/event-stream, application/json' : 'application/json' }
  if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey}`

  return async function complete (messages, tools, signal) {
    let response: Response | undefined
    try {
      response = await fetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: options.model, messages, tools, tool_choice: 'auto', ...(options.stream ? { stream: true } : {}) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)])
      })
      // A server may ignore `stream: true` and answer one JSON body: the content type decides, not what was asked.
      if (response.ok && response.body !== null && (response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        return await readStreamedReply(response.body, host)
      }
      return parseReply(response, await response.text(), host)
    } catch (error) {
      if (error instanceof ModelEndpointError || signal.aborted) throw error
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      const cause = (error as { cause?: { code?: unknown } }).cause?.code
      if (timedOut) throw new ModelEndpointError(`The model endpoint (${host}) did not answer within ${Math.round(options.timeoutMs / 1000)} s.`)
      // The server was reached and then dropped the connection (undici's UND_ERR_SOCKET), before or after the
      // headers, while the answer (streamed or not) was arriving.
      if (response !== undefined || cause === 'UND_ERR_SOCKET') throw new ModelEndpointError(`The model endpoint (${host}) broke off its answer midway (the connection closed).`)
      throw new ModelEndpointError(`The model endpoint (${host}) could not be reached${typeof cause === 'string' ? ` (${cause})` : ''}.`)
    }
  }
}

function parseReply (response: Response, text: string, host: string): ModelReply {
  if (!response.ok) throw new ModelEndpointError(`The model endpoint (${host}) answered HTTP ${response.status}: ${errorDetail(text) || response.statusText}`)
  let body: { choices?: Array<{ message?: { content?: unknown, tool_calls?: unknown } }> }
  try {
    body = JSON.parse(text)
  } catch {
    throw new ModelEndpointError(`The model endpoint (${host}) answered something that is not JSON.`)
  }
  const message = body.choices?.[0]?.message
  if (message === undefined) throw new ModelEndpointError(`The model endpoint (${host}) answered without a message (no choices[0].message).`)
  const toolCalls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isToolCall) : []
  return { content: typeof message.content === 'string' ? message.content : null, toolCalls }
}
