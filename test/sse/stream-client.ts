import { parseSse, type SseEvent } from './sse-text.js'

/** A fetch()-based SSE reader: keeps the raw text, parses it on demand, knows when the server ended the stream. */
export interface StreamClient {
  status: number
  headers: Headers
  text: () => string
  events: () => SseEvent[]
  comments: () => string[]
  /** Resolves when the server ends the response (or the connection drops). */
  ended: Promise<void>
  isEnded: () => boolean
  abort: () => void
}

export async function openStream (
  t: { teardown: (fn: () => void) => void },
  url: string,
  headers: Record<string, string> = {}
): Promise<StreamClient> {
  const controller = new AbortController()
  t.teardown(() => controller.abort())
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  let text = ''
  let ended = false
  const decoder = new TextDecoder()
  const reader = response.body?.getReader()
  const done = (async () => {
    if (reader === undefined) return
    try {
      for (;;) {
        const chunk = await reader.read()
        if (chunk.done) break
        text += decoder.decode(chunk.value, { stream: true })
      }
    } catch {
      // aborted by the test, or reset: either way the stream is over
    } finally {
      ended = true
    }
  })()
  return {
    status: response.status,
    headers: response.headers,
    text: () => text,
    events: () => parseSse(text).events,
    comments: () => parseSse(text).comments,
    ended: done,
    isEnded: () => ended,
    abort: () => controller.abort()
  }
}
