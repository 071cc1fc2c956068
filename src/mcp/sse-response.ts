/**
 * One SSE response of the Streamable HTTP transport (src/mcp/node-streamable-transport.ts).
 *
 * Events written before `flush()` are held in memory. Most requests are answered within the same turn of the event
 * loop they arrived in: their stream (priming event + response) then goes out as one body with a Content-Length — a
 * complete `text/event-stream` body, one write, no chunked framing for the server or the client to do. A slow answer
 * gets its headers and priming event when the transport flushes (next turn), and streams chunked from then on.
 */
import type { ServerResponse } from 'node:http'
import { writeChunk } from './node-http-io.js'

export class SseResponse {
  #pending: string | undefined = ''

  constructor (readonly res: ServerResponse, private readonly maxBufferedBytes: number) {}

  /** Whether the client can still receive events. */
  get open (): boolean {
    return !this.res.destroyed && !this.res.writableEnded
  }

  /** Queues or writes one SSE frame. False when the response is gone (or was dropped for not reading). */
  write (frame: string): boolean {
    if (!this.open) return false
    if (this.#pending !== undefined) {
      this.#pending += frame
      return true
    }
    return writeChunk(this.res, frame, this.maxBufferedBytes)
  }

  /** Sends the headers and what was queued; later writes stream. Idempotent. */
  flush (): void {
    const pending = this.#pending
    if (pending === undefined) return
    this.#pending = undefined
    if (!this.open) return
    if (pending === '') this.res.flushHeaders()
    else writeChunk(this.res, pending, this.maxBufferedBytes)
  }

  /** Ends the stream: everything at once with a Content-Length when nothing was flushed yet. Idempotent. */
  end (): void {
    if (!this.open) return
    const pending = this.#pending
    this.#pending = undefined
    if (pending === undefined) {
      this.res.end()
      return
    }
    if (!this.res.headersSent) this.res.setHeader('content-length', Buffer.byteLength(pending))
    this.res.end(pending)
  }
}
