/**
 * Where a channel writes its encoded frames: in the app, the HTTP response of `GET /mcp/events/:clientId` (the
 * route adapts `reply.raw` and @fastify/sse); in tests, anything Writable-like. Keeps src/sse free of Fastify.
 */
export interface FrameSink {
  /** Writes bytes. `false` means the transport buffer is full: write nothing more until `onceDrain` fires (Writable.write). */
  write: (chunk: Buffer) => boolean
  /** Calls `callback` once, when the transport buffer has drained. */
  onceDrain: (callback: () => void) => void
  /** Bytes accepted by `write` but not yet handed to the operating system. */
  readonly writableLength: number
  /** Ends the response gracefully: what was written is still delivered. */
  end: () => void
  /** Drops the connection at once (a client that stopped reading would keep a graceful end waiting forever). */
  destroy: () => void
}
