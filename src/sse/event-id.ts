import { randomBytes } from 'node:crypto'

/**
 * Event ids are `<epoch>-<seq>`: `epoch` is random per registry (per server process), `seq` is one counter shared by
 * all channels of that process, so ids rise on every channel and a broadcast frame is identical for all channels.
 *
 * The epoch lets a reconnecting client's `Last-Event-ID` be recognised as "not issued here" (after a restart, or
 * when a load balancer sends the reconnect to another instance); a bare counter would restart at 1 and a stale id
 * from a previous process would silently suppress the replay or the missed-events notice.
 */
export interface EventIdSource {
  /** Random per registry; hex, no '-' so the id splits unambiguously. */
  readonly epoch: string
  /** Allocates the next sequence number (1, 2, …). */
  next: () => number
  /** The last sequence number allocated (0 before the first). */
  readonly current: number
  format: (seq: number) => string
  /** The sequence number of an id this source issued, or null (foreign epoch, malformed, or from the future). */
  parseOwn: (id: string | null | undefined) => number | null
}

const ID_PATTERN = /^([0-9a-f]{1,32})-(\d{1,15})$/

export function createEventIdSource (epoch: string = randomBytes(4).toString('hex')): EventIdSource {
  let seq = 0
  return {
    epoch,
    next: () => ++seq,
    get current () { return seq },
    format: (n) => `${epoch}-${n}`,
    parseOwn (id) {
      if (typeof id !== 'string') return null
      const match = ID_PATTERN.exec(id.trim())
      if (match === null || match[1] !== epoch) return null
      const n = Number(match[2])
      return n <= seq ? n : null
    }
  }
}
