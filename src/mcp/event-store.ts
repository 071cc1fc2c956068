/**
 * Bounded in-memory event store for Streamable HTTP resumability (spec 2025-11-25, transports §"Resumability and
 * Redelivery"). One store per MCP session: a Last-Event-ID can only ever replay events of the session it was issued
 * in, so a guessed or leaked id cannot read another session's stream.
 *
 * Bounds, oldest events dropped first:
 * - per stream: `maxEventsPerStream` events;
 * - per session: `maxBytes` of serialised messages;
 * - per process: an optional shared `EventBudget` (every session's store draws on it; the store that goes over
 *   evicts its own oldest events, so a busy session cannot push out a quiet one's);
 * - time: a stream whose response has been stored is kept `completedTtlMs` (time to resume if the connection broke
 *   as the response was written), then dropped. Only open streams (still waiting for a response) and the GET stream
 *   live longer;
 * - count: at most `maxCompletedStreams` completed streams are kept, oldest dropped first (at thousands of requests
 *   a second, 60 s of completed streams would otherwise be hundreds of thousands of entries).
 *
 * Written by hand because the SDK ships only an unbounded example store (examples/shared/inMemoryEventStore.js),
 * which grows forever and sorts every event on each replay.
 */
import type { EventStore, EventId, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server'

export interface EventStoreLimits {
  /** Events kept per stream. */
  maxEventsPerStream: number
  /** Serialised bytes kept for the whole session. */
  maxBytes: number
  /** How long a stream is kept once its response was stored. */
  completedTtlMs: number
  /** Completed streams kept at most (the oldest go first, before their TTL). */
  maxCompletedStreams: number
}

/** Suggested reconnection delay sent in the priming event (`retry:`), spec 2025-11-25 transports §"Resumability". */
export const SSE_RETRY_MS = 1000

export const DEFAULT_EVENT_STORE_LIMITS: EventStoreLimits = { maxEventsPerStream: 500, maxBytes: 4 * 1024 * 1024, completedTtlMs: 60_000, maxCompletedStreams: 1000 }

/** A byte budget shared by many stores (one process). */
export class EventBudget {
  used = 0
  constructor (readonly maxBytes: number) {}
  get exceeded (): boolean {
    return this.used > this.maxBytes
  }
}

interface StoredEvent {
  seq: number
  /** The message as JSON: its length is the byte budget, and replay parses it back. '' once dropped. */
  json: string
}

interface Stream {
  id: StreamId
  events: StoredEvent[]
  completedAt: number | null
}

// Event ids are `<streamId>_<seq>`: the SDK's standalone GET stream id (`_GET_stream`) itself contains `_`,
// so the stream id is everything before the last `_`.
function parseEventId (eventId: EventId): { streamId: StreamId, seq: number } | undefined {
  const cut = eventId.lastIndexOf('_')
  if (cut <= 0) return undefined
  const seq = Number(eventId.slice(cut + 1))
  if (!Number.isSafeInteger(seq) || seq < 1) return undefined
  return { streamId: eventId.slice(0, cut), seq }
}

/** A JSON-RPC response (result or error), as opposed to a request or notification. */
export function isResponse (message: JSONRPCMessage): boolean {
  return !('method' in message) && ('result' in message || 'error' in message)
}

export class BoundedEventStore implements EventStore {
  readonly #limits: EventStoreLimits
  readonly #budget: EventBudget | undefined
  readonly #now: () => number
  readonly #streams = new Map<StreamId, Stream>()
  /** Every live event's stream, in store order, for session-wide eviction (entries of dropped events are skipped). */
  #order: Array<{ stream: Stream, event: StoredEvent }> = []
  #orderHead = 0
  /** Completed streams for the TTL sweep, oldest first, from `#completedHead` on (a head index: no array copy per sweep). */
  #completed: Stream[] = []
  #completedHead = 0
  #seq = 0
  #bytes = 0
  #count = 0

  constructor (limits: Partial<EventStoreLimits> = {}, budget?: EventBudget, now: () => number = Date.now) {
    this.#limits = { ...DEFAULT_EVENT_STORE_LIMITS, ...limits }
    this.#budget = budget
    this.#now = now
  }

  /** Events currently held. */
  get size (): number {
    return this.#count
  }

  /** Serialised bytes currently held. */
  get bytes (): number {
    return this.#bytes
  }

  get streamCount (): number {
    return this.#streams.size
  }

  /** Bookkeeping entries held for session-wide eviction order, live or not yet compacted (stays ≤ 2 × size + 1024). */
  get orderEntries (): number {
    return this.#order.length
  }

  async storeEvent (streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const json = JSON.stringify(message)
    this.#sweepCompleted()
    const event: StoredEvent = { seq: ++this.#seq, json }
    let stream = this.#streams.get(streamId)
    if (stream === undefined) {
      stream = { id: streamId, events: [], completedAt: null }
      this.#streams.set(streamId, stream)
    }
    stream.events.push(event)
    this.#order.push({ stream, event })
    this.#account(event.json.length, 1)
    if (isResponse(message) && stream.completedAt === null) {
      stream.completedAt = this.#now()
      this.#completed.push(stream)
    }
    if (stream.events.length > this.#limits.maxEventsPerStream) this.#drop(stream, stream.events.shift() as StoredEvent)
    while ((this.#bytes > this.#limits.maxBytes || this.#budget?.exceeded === true) && this.#orderHead < this.#order.length) {
      const oldest = this.#order[this.#orderHead++]
      if (oldest.event.json !== '') this.#evict(oldest.stream, oldest.event)
    }
    // Entries of dropped events (evicted, or swept with their completed stream) stay in #order until this compaction;
    // it runs once they outnumber the live ones, so #order stays within about twice the live events (amortised O(1)).
    // Counting only the evicted head here let a busy session's swept entries pile up without bound.
    if (this.#order.length - this.#count > this.#count + 1024) {
      this.#order = this.#order.slice(this.#orderHead).filter((e) => e.event.json !== '')
      this.#orderHead = 0
    }
    return `${streamId}_${event.seq}`
  }

  async getStreamIdForEventId (eventId: EventId): Promise<StreamId | undefined> {
    const parsed = parseEventId(eventId)
    if (parsed === undefined) return undefined
    return this.#find(parsed.streamId, parsed.seq) !== undefined ? parsed.streamId : undefined
  }

  /** Replays only the events of `lastEventId`'s stream that came after it. Unknown or evicted id → nothing ('' stream). */
  async replayEventsAfter (lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const parsed = parseEventId(lastEventId)
    if (parsed === undefined || this.#find(parsed.streamId, parsed.seq) === undefined) return ''
    const stream = this.#streams.get(parsed.streamId) as Stream
    for (const event of [...stream.events]) {
      if (event.seq <= parsed.seq || event.json === '') continue
      const message = JSON.parse(event.json) as Partial<JSONRPCMessage>
      // Priming events are stored as `{}` (an id with empty data); they carry no message to replay.
      if (message.jsonrpc !== '2.0') continue
      await send(`${stream.id}_${event.seq}`, message as JSONRPCMessage)
    }
    return parsed.streamId
  }

  /** Forgets everything (session closed) and gives the bytes back to the shared budget. */
  clear (): void {
    if (this.#budget !== undefined) this.#budget.used -= this.#bytes
    this.#streams.clear()
    this.#order = []
    this.#orderHead = 0
    this.#completed = []
    this.#completedHead = 0
    this.#bytes = 0
    this.#count = 0
  }

  #account (bytes: number, events: number): void {
    this.#bytes += bytes
    this.#count += events
    if (this.#budget !== undefined) this.#budget.used += bytes
  }

  #find (streamId: StreamId, seq: number): StoredEvent | undefined {
    const events = this.#streams.get(streamId)?.events
    if (events === undefined) return undefined
    // Ascending seq: binary search.
    let lo = 0
    let hi = events.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const value = events[mid].seq
      if (value === seq) return events[mid]
      if (value < seq) lo = mid + 1
      else hi = mid - 1
    }
    return undefined
  }

  #sweepCompleted (): void {
    const cutoff = this.#now() - this.#limits.completedTtlMs
    while (this.#completedHead < this.#completed.length) {
      const stream = this.#completed[this.#completedHead]
      const tooMany = this.#completed.length - this.#completedHead > this.#limits.maxCompletedStreams
      if (!tooMany && (stream.completedAt as number) > cutoff) break
      this.#completedHead++
      for (const event of stream.events) this.#drop(stream, event, false)
      stream.events = []
      this.#streams.delete(stream.id)
    }
    if (this.#completedHead > 1024 && this.#completedHead * 2 > this.#completed.length) {
      this.#completed = this.#completed.slice(this.#completedHead)
      this.#completedHead = 0
    }
  }

  #evict (stream: Stream, event: StoredEvent): void {
    const at = stream.events[0] === event ? 0 : stream.events.indexOf(event)
    if (at >= 0) stream.events.splice(at, 1)
    this.#drop(stream, event)
  }

  #drop (stream: Stream, event: StoredEvent, forgetEmptyStream = true): void {
    if (event.json === '') return
    this.#account(-event.json.length, -1)
    event.json = ''
    if (forgetEmptyStream && stream.events.length === 0 && stream.completedAt !== null) this.#streams.delete(stream.id)
  }
}
