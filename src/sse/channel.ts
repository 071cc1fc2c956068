import type { ChannelBinding } from './channel-binding.js'
import type { FrameSink } from './frame-sink.js'
import type { ReplayBuffer } from './replay-buffer.js'

/**
 * One open SSE stream of one client. Owns the backpressure queue: when the sink's `write` returns false, further
 * frames wait in a queue (references to shared frames) until 'drain'; when the queue plus the transport's own
 * buffer pass `maxQueuedBytes`, the stream is dropped and `send` returns false. The events are not lost for good:
 * chart events are in `history`, and the client gets them back by reconnecting with `Last-Event-ID`.
 *
 * No per-instance closures (callbacks are created only while backpressured): with 10,000 channels every closure
 * is 10,000 more objects.
 */
export class Channel {
  readonly clientId: string
  /** The client's replay buffer; it outlives this stream (kept for a while after a disconnect). */
  readonly history: ReplayBuffer
  /** Whether the buffer is kept after a disconnect: only a client that can come back under the same id gains from it. */
  readonly remember: boolean
  /** Who owns the channel (kept with `history` across reconnects). */
  readonly binding: ChannelBinding
  readonly #sink: FrameSink
  readonly #maxQueuedBytes: number
  #queue: Buffer[] | null = null
  #queuedBytes = 0
  #closed = false

  constructor (options: {
    clientId: string
    history: ReplayBuffer
    sink: FrameSink
    maxQueuedBytes: number
    remember?: boolean
    binding: ChannelBinding
  }) {
    this.clientId = options.clientId
    this.history = options.history
    this.remember = options.remember ?? true
    this.binding = options.binding
    this.#sink = options.sink
    this.#maxQueuedBytes = options.maxQueuedBytes
  }

  get closed (): boolean {
    return this.#closed
  }

  /**
   * Sends a frame now, or queues it while the client is behind. Returns false only when this frame pushed the
   * client past `maxQueuedBytes`: the stream was then dropped, and the owner must forget the channel.
   */
  send (frame: Buffer): boolean {
    if (this.#closed) return true
    if (this.#queue !== null) {
      this.#queue.push(frame)
      this.#queuedBytes += frame.length
      if (this.#queuedBytes + this.#sink.writableLength > this.#maxQueuedBytes) {
        this.#drop()
        return false
      }
      return true
    }
    if (!this.#sink.write(frame)) this.#waitForDrain()
    return true
  }

  /** Sends a frame only if nothing is waiting (keep-alive comments: pointless behind queued data). */
  sendIfIdle (frame: Buffer): void {
    if (!this.#closed && this.#queue === null) this.send(frame)
  }

  /**
   * Ends the stream. Graceful when the client is keeping up; dropped at once when data is still waiting, because
   * a client that stopped reading would keep a graceful end (and server shutdown) waiting forever. `finalFrame`
   * (e.g. seed 000's close message) is written before a graceful end. Idempotent.
   */
  close (finalFrame?: Buffer): void {
    if (this.#closed) return
    const backedUp = this.#queue !== null || this.#sink.writableLength > 0
    this.markClosed()
    if (backedUp) {
      this.#sink.destroy()
      return
    }
    if (finalFrame !== undefined) this.#sink.write(finalFrame)
    this.#sink.end()
  }

  /** Marks the stream closed from the outside (the client went away); nothing more is written. */
  markClosed (): void {
    this.#closed = true
    this.#queue = null
    this.#queuedBytes = 0
  }

  #waitForDrain (): void {
    this.#queue = []
    this.#sink.onceDrain(() => { this.#flush() })
  }

  #flush (): void {
    const queue = this.#queue
    if (this.#closed || queue === null) return
    this.#queue = null
    if (queue.length === 0) return
    // One write of everything queued: the queue is already bounded by maxQueuedBytes, and one write keeps drain
    // handling O(1) per 'drain' however many small frames (heartbeats, progress) piled up.
    const chunk = queue.length === 1 ? queue[0] : Buffer.concat(queue, this.#queuedBytes)
    this.#queuedBytes = 0
    if (!this.#sink.write(chunk)) this.#waitForDrain()
  }

  #drop (): void {
    this.markClosed()
    this.#sink.destroy()
  }
}
