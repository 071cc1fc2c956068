/**
 * Who a channel belongs to. It lives as long as the channel's replay buffer (across reconnects).
 *
 * - `owner`: the principal that opened the channel first (null in open mode). Another principal is refused (404).
 * - In open mode a channel id is a capability, and a reconnect proves it is the same client by presenting, as
 *   `Last-Event-ID`, an id the server sent on this channel (`ReplayBuffer.wasSent`: one still in its replay buffer or
 *   one of its own `connected` events), so a guessed id neither evicts a live stream nor replays the buffer.
 */
export class ChannelBinding {
  readonly owner: string | null

  constructor (owner: string | null) {
    this.owner = owner
  }
}
