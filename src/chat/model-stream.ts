/**
 * Assembles one Chat Completions reply from its `stream: true` form: server-sent events whose data are
 * `{choices:[{delta:{content, tool_calls:[{index, id, function:{name, arguments}}]}}]}` chunks, ended by `data: [DONE]`
 * (platform.openai.com/docs/api-reference/chat-streaming). Tool calls arrive in pieces keyed by `index`: the first
 * piece carries the id and name, later pieces append to `arguments`. The SSE framing is parsed by eventsource-parser
 * (the same parser the MCP SDK client uses) rather than by hand.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream'
import { errorDetail, ModelEndpointError, type ModelReply, type ModelToolCall } from './model-client.js'

interface ToolCallDelta { index?: unknown, id?: unknown, function?: { name?: unknown, arguments?: unknown } }
interface StreamChunk {
  choices?: Array<{ delta?: { content?: unknown, tool_calls?: unknown } }>
  error?: unknown
}

/** Reads `body` to `[DONE]`; a chunk that is not JSON, an `error` chunk, or an end before `[DONE]` is a ModelEndpointError. */
export async function readStreamedReply (body: ReadableStream<Uint8Array>, host: string): Promise<ModelReply> {
  let content: string | null = null
  const calls = new Map<number, ModelToolCall>()
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream())
  for await (const event of events) {
    if (event.data === '[DONE]') {
      // Returning out of `for await` cancels the stream: the rest of the body (normally nothing) is released.
      const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call).filter((call) => call.function.name !== '')
      return { content, toolCalls }
    }
    let chunk: StreamChunk
    try {
      chunk = JSON.parse(event.data)
    } catch {
      throw new ModelEndpointError(`The model endpoint (${host}) streamed a chunk that is not JSON.`)
    }
    // OpenAI-compatible servers report a failure after the headers as a chunk `{error: {message}}`.
    if (chunk.error !== undefined) throw new ModelEndpointError(`The model endpoint (${host}) reported an error midway: ${errorDetail(JSON.stringify(chunk))}`)
    const delta = chunk.choices?.[0]?.delta
    if (typeof delta?.content === 'string') content = (content ?? '') + delta.content
    if (Array.isArray(delta?.tool_calls)) {
      for (const piece of delta.tool_calls as ToolCallDelta[]) {
        const index = typeof piece.index === 'number' ? piece.index : 0
        // Some servers omit the id: a stable one per index still lets the tool message answer the right call.
        const call = calls.get(index) ?? { id: `call_${index}`, type: 'function' as const, function: { name: '', arguments: '' } }
        if (typeof piece.id === 'string' && piece.id !== '') call.id = piece.id
        if (typeof piece.function?.name === 'string') call.function.name += piece.function.name
        if (typeof piece.function?.arguments === 'string') call.function.arguments += piece.function.arguments
        calls.set(index, call)
      }
    }
  }
  throw new ModelEndpointError(`The model endpoint (${host}) ended its streamed answer before [DONE]: the answer was cut off.`)
}
