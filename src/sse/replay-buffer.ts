/**
 * The last `capacity` events of one channel, kept so a client reconnecting with `Last-Event-ID` gets what it missed.
 * A ring of (seq, frame) pairs; frames are shared Buffers, so a broadcast held by 10,000 channels is stored once.
 */
export class ReplayBuffer {
  readonly #capacity: number
  readonly #seqs: number[] = []
  readonly #frames: Buffer[] = []
  /** Index of the oldest entry once the ring is full. */
  #start = 0
  /** Highest sequence number pushed out of the ring (0: nothing lost yet). */
  #evictedUpTo = 0
  /** `connected` event ids of resumed streams → the Last-Event-ID each one resumed from (newest last, bounded). */
  readonly #resumedFrom = new Map<number, number>()
  /** Sequence number of the newest `connected` event sent on this channel (0: none yet). */
  #lastConnected = 0

  constructor (capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity))
  }

  get size (): number {
    return this.#seqs.length
  }

  /** Appends an event; `seq` must be greater than every earlier one. */
  push (seq: number, frame: Buffer): void {
    if (this.#capacity === 0) {
      this.#evictedUpTo = seq
      return
    }
    if (this.#seqs.length < this.#capacity) {
      this.#seqs.push(seq)
      this.#frames.push(frame)
      return
    }
    this.#evictedUpTo = this.#seqs[this.#start]
    this.#seqs[this.#start] = seq
    this.#frames[this.#start] = frame
    this.#start = (this.#start + 1) % this.#capacity
  }

  /** Events up to `seq` were lost before this buffer got them (trimmed from a shared log, src/sse/redis-channel-log.ts). */
  noteEvicted (seq: number): void {
    if (seq > this.#evictedUpTo) this.#evictedUpTo = seq
  }

  /** Whether the event `seq` is still held. */
  has (seq: number): boolean {
    return this.#seqs.includes(seq)
  }

  /** The newest `connected` event's sequence number (0 before the first stream). */
  get lastConnected (): number {
    return this.#lastConnected
  }

  /**
   * Records a `connected` event sent with its own id `seq`. For a resumed stream, `resumedFrom` is the client's
   * Last-Event-ID: a client cut before the replay arrived comes back with `seq` as its Last-Event-ID, and must
   * get the replay again, so `resolve(seq)` answers `resumedFrom`.
   */
  markConnected (seq: number, resumedFrom: number | null): void {
    this.#lastConnected = seq
    if (resumedFrom === null) return
    this.#resumedFrom.set(seq, this.resolve(resumedFrom))
    // A client presents only its newest id; a few old ones cover streams cut in quick succession.
    if (this.#resumedFrom.size > 8) this.#resumedFrom.delete(this.#resumedFrom.keys().next().value as number)
  }

  /** Where a Last-Event-ID really resumes from: itself, or what the `connected` event it names resumed from. */
  resolve (seq: number): number {
    return this.#resumedFrom.get(seq) ?? seq
  }

  /**
   * The frames of every held event after `seq`, oldest first. `complete` is false when an event after `seq` was
   * already pushed out, i.e. the client missed something the buffer can no longer give it.
   */
  since (seq: number): { frames: Buffer[], complete: boolean } {
    const frames: Buffer[] = []
    const count = this.#seqs.length
    for (let i = 0; i < count; i++) {
      const index = (this.#start + i) % count
      if (this.#seqs[index] > seq) frames.push(this.#frames[index])
    }
    return { frames, complete: seq >= this.#evictedUpTo }
  }
}
