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

/** The number of an id of `epoch` at most `max`, or null (foreign epoch, malformed, or from the future). */
function parseOwnId (epoch: string, id: string | null | undefined, max: number): number | null {
  if (typeof id !== 'string') return null
  const match = ID_PATTERN.exec(id.trim())
  if (match === null || match[1] !== epoch) return null
  const n = Number(match[2])
  return n <= max ? n : null
}

export function createEventIdSource (epoch: string = randomBytes(4).toString('hex')): EventIdSource {
  let seq = 0
  return {
    epoch,
    next: () => ++seq,
    get current () { return seq },
    format: (n) => `${epoch}-${n}`,
    parseOwn: (id) => parseOwnId(epoch, id, seq)
  }
}

/** An id source whose sequence is shared by several instances (src/sse/redis-channel-log.ts). */
export interface SharedEventIdSource extends EventIdSource {
  /** The wire number of the cluster-wide sequence number `seq`; ids issued afterwards here come after it. */
  observe: (seq: number) => number
}

/**
 * Ids for an epoch shared by every instance (REDIS_URL): stored events are numbered by Redis (`seq × spacing`), and
 * `next()` gives this instance's own events (heartbeat, events_missed, /sse answers) the numbers after the newest
 * stored one it has seen, so ids still rise on every channel. Those are never proof of receipt on another instance
 * (they are not stored), so they only need to be ordered; past `spacing - 1` of them without a stored event in
 * between, the last number repeats (harmless for heartbeats, the only events that frequent on a quiet cluster).
 */
export function createSharedEventIdSource (epoch: string, spacing: number): SharedEventIdSource {
  let base = 0
  let local = 0
  return {
    epoch,
    next: () => {
      local = Math.min(local + 1, spacing - 1)
      return base + local
    },
    observe (seq) {
      const wire = seq * spacing
      if (wire > base) {
        base = wire
        local = 0
      }
      return wire
    },
    get current () { return base + spacing - 1 },
    format: (n) => `${epoch}-${n}`,
    parseOwn: (id) => parseOwnId(epoch, id, base + spacing - 1)
  }
}
