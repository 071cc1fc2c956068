import type { ReplayBuffer } from './replay-buffer.js'

/**
 * How many of a channel's own `connected` ids are remembered as proof of having received that channel (and, in
 * ReplayBuffer, where each resumed stream started). Under a reconnect storm many connections are cut before the client
 * reads their `connected` event, and each one used a slot: with 8 slots, 9 such cuts made the id the client really
 * holds unknown, and it was told `events_missed` for events still in the buffer (fault suite, scenario 2). 256 numbers
 * per channel cost ~10 KB at most and only on a channel that reconnected that often.
 */
export const CONNECTED_IDS_KEPT = 256

/**
 * Who a channel belongs to, and what proves it. It lives as long as the channel's replay buffer (across reconnects).
 *
 * - `owner`: the principal that opened the channel first (null in open mode). Another principal is refused (404).
 * - In open mode a channel id is a capability, and a reconnect proves it is the same client by presenting, as
 *   `Last-Event-ID`, an id the server sent on this channel: one still in its replay buffer or one of its own
 *   `connected` events. `<epoch>-0` or an id seen on another stream proves nothing, so it neither evicts a live
 *   stream nor replays the buffer.
 */
export class ChannelBinding {
  readonly owner: string | null
  readonly #connected: number[] = []

  constructor (owner: string | null) {
    this.owner = owner
  }

  /** Records the id of a `connected` event sent on this channel. */
  noteConnected (seq: number): void {
    this.#connected.push(seq)
    if (this.#connected.length > CONNECTED_IDS_KEPT) this.#connected.shift()
  }

  /** Whether `seq` was sent on this channel and can still be recognised as such. */
  wasSent (seq: number, history: ReplayBuffer): boolean {
    return this.#connected.includes(seq) || history.has(seq)
  }
}
