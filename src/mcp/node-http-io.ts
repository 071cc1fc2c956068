/**
 * Small node:http helpers for the Streamable HTTP transport (src/mcp/node-streamable-transport.ts): JSON-RPC error
 * bodies, SSE framing and headers, bounded body reading, and writes that give up on a client that stops reading.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'

const SSE_HEADERS: Array<[string, string]> = [
  ['content-type', 'text/event-stream'],
  ['cache-control', 'no-cache, no-transform'],
  ['connection', 'keep-alive'],
  ['x-accel-buffering', 'no']
]

/**
 * Sets a 200 and the SSE response headers the SDK's transport sends (nginx must not buffer: `X-Accel-Buffering: no`).
 * Set, not written: until the first byte goes out, a failure can still become a JSON error (writeJsonError).
 */
export function setSseHeaders (res: ServerResponse, sessionId: string | undefined): void {
  res.statusCode = 200
  for (const [name, value] of SSE_HEADERS) res.setHeader(name, value)
  if (sessionId !== undefined) res.setHeader('mcp-session-id', sessionId)
}

/** A JSON-RPC error with a null id, the SDK transport's error shape (`createJsonErrorResponse`). */
export function writeJsonError (res: ServerResponse, status: number, code: number, message: string,
  options: { data?: unknown, headers?: OutgoingHttpHeaders } = {}): void {
  const error: { code: number, message: string, data?: unknown } = { code, message }
  if (options.data !== undefined) error.data = options.data
  const body = JSON.stringify({ jsonrpc: '2.0', error, id: null })
  if (res.headersSent || res.destroyed) {
    // Too late for a status: the only honest signal left is to drop the connection.
    res.destroy()
    return
  }
  for (const [name] of SSE_HEADERS) res.removeHeader(name)
  res.removeHeader('mcp-session-id')
  res.writeHead(status, { ...options.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

/** One SSE `message` event from a message's JSON (with its resumability id when there is one), formatted as the SDK does. */
export function sseMessageEvent (json: string, eventId: string | undefined): string {
  return eventId !== undefined && eventId !== ''
    ? `event: message\nid: ${eventId}\ndata: ${json}\n\n`
    : `event: message\ndata: ${json}\n\n`
}

/**
 * Writes a chunk unless the response is gone. Node buffers what the socket cannot take yet; a client that stops
 * reading would make that buffer grow without end, so past `maxBufferedBytes` the response is destroyed (its
 * 'close' cleans the stream up; a resumable client reconnects with Last-Event-ID and gets the stored events).
 * Returns whether the chunk was accepted.
 */
export function writeChunk (res: ServerResponse, chunk: string, maxBufferedBytes: number): boolean {
  if (res.destroyed || res.writableEnded) return false
  res.write(chunk)
  if (res.writableLength > maxBufferedBytes) {
    res.destroy(new Error(`SSE client is not reading: more than ${maxBufferedBytes} bytes buffered`))
    return false
  }
  return true
}

export type BodyResult = { ok: true, text: string } | { ok: false, tooLarge: true }

/** Reads a request body as UTF-8 text, stopping (and refusing) past `maxBytes`. Rejects on a broken connection. */
export async function readBody (req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buffer = chunk as Buffer
    size += buffer.length
    if (size > maxBytes) return { ok: false, tooLarge: true }
    chunks.push(buffer)
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') }
}
