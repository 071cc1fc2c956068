/**
 * How many of a channel's own `connected` ids are remembered, as proof of having received that channel and as the
 * point each stream resumed from. Under a reconnect storm many connections are cut before the client reads their
 * `connected` event, and each one used a slot: with 8 slots, 9 such cuts made the id the client really holds unknown,
 * and it was told `events_missed` for events still in the buffer (fault suite, scenario 2). 256 numbers per channel
 * cost ~10 KB at most and only on a channel that reconnected that often.
 */
export const CONNECTED_IDS_KEPT = 256

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
  /**
   * The ids of the `connected` events sent on this channel → where each stream resumed from (its own id for a fresh
   * stream); newest last, at most CONNECTED_IDS_KEPT.
   */
  readonly #connected = new Map<number, number>()
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
    this.#connected.set(seq, resumedFrom === null ? seq : this.resolve(resumedFrom))
    // A client presents only its newest id; the last CONNECTED_IDS_KEPT cover streams cut in quick succession.
    if (this.#connected.size > CONNECTED_IDS_KEPT) this.#connected.delete(this.#connected.keys().next().value as number)
  }

  /** Where a Last-Event-ID really resumes from: itself, or what the `connected` event it names resumed from. */
  resolve (seq: number): number {
    return this.#connected.get(seq) ?? seq
  }

  /**
   * Whether `seq` was sent on this channel and can still be recognised as such: a held event or one of its own
   * `connected` events. `<epoch>-0` or an id seen on another stream proves nothing.
   */
  wasSent (seq: number): boolean {
    return this.#connected.has(seq) || this.has(seq)
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
