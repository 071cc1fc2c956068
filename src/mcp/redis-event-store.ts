/**
 * The 2025-era MCP event store (Streamable HTTP resumability, spec 2025-11-25 transports §"Resumability and
 * Redelivery") on Redis Streams, when REDIS_URL is set: a client whose stream broke resumes with `Last-Event-ID` on
 * whichever instance the load balancer picks. One store per session and instance; every instance holding a copy of
 * the session reads and writes the same keys.
 *
 * - One stream per SSE stream of the session: `<prefix>mcp:events:<sessionId>:<streamId>`; the event id is
 *   `<streamId>_<entry id>` (Redis assigns entry ids, unique and ordered within the stream whichever instance adds).
 * - Bounded like the in-memory store (src/mcp/event-store.ts): `XADD … MAXLEN ~ maxEventsPerStream`; a stream whose
 *   response was stored expires `completedTtlMs` later, every other stream `ttlMs` after its last event (the session
 *   idle time: the session itself is gone by then).
 * - An id that is not in the stream (trimmed, expired, never issued, another session's) replays nothing, as in memory.
 */
import type { Redis } from 'ioredis'
import type { EventId, EventStore, JSONRPCMessage, StreamId } from '@modelcontextprotocol/server'
import { DEFAULT_EVENT_STORE_LIMITS, isResponse } from './event-store.js'

/** The SDK's id of a session's standalone GET stream (WebStandardStreamableHTTPServerTransport). */
export const STANDALONE_STREAM_ID = '_GET_stream'

export interface RedisEventStoreOptions {
  redis: Redis
  /** `<prefix>mcp:events:<sessionId>:` */
  keyPrefix: string
  /** Events kept per stream (approximate trimming: Redis trims whole nodes, so up to ~100 more). */
  maxEventsPerStream?: number
  /** How long a stream without a response lives after its last event: the session idle timeout. */
  ttlMs: number
  /** How long a stream is kept once its response was stored. */
  completedTtlMs?: number
  /** Called once an event of the standalone GET stream is stored, so the instance holding that stream can send it. */
  onStandaloneEvent?: (eventId: EventId, message: JSONRPCMessage) => void
}

const ENTRY_ID = /^\d{1,20}-\d{1,20}$/

function parseEventId (eventId: EventId): { streamId: StreamId, entry: string } | undefined {
  const cut = eventId.lastIndexOf('_')
  if (cut <= 0) return undefined
  const entry = eventId.slice(cut + 1)
  return ENTRY_ID.test(entry) ? { streamId: eventId.slice(0, cut), entry } : undefined
}

export class RedisEventStore implements EventStore {
  readonly #redis: Redis
  readonly #keyPrefix: string
  readonly #maxEvents: number
  readonly #ttlMs: number
  readonly #completedTtlMs: number
  readonly #onStandaloneEvent: RedisEventStoreOptions['onStandaloneEvent']
  /** Messages stored by another instance, handed to this instance's transport to write: they keep their id. */
  readonly #forwarded = new Map<JSONRPCMessage, EventId>()
  #muted = false

  constructor (options: RedisEventStoreOptions) {
    this.#redis = options.redis
    this.#keyPrefix = options.keyPrefix
    this.#maxEvents = options.maxEventsPerStream ?? DEFAULT_EVENT_STORE_LIMITS.maxEventsPerStream
    this.#ttlMs = options.ttlMs
    this.#completedTtlMs = options.completedTtlMs ?? DEFAULT_EVENT_STORE_LIMITS.completedTtlMs
    this.#onStandaloneEvent = options.onStandaloneEvent
  }

  async storeEvent (streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    const forwarded = this.#forwarded.get(message)
    if (forwarded !== undefined) return forwarded
    // While a session is rebuilt from its stored handshake, its answers go nowhere and are not events of the session.
    if (this.#muted) return `${streamId}_0-0`
    const key = this.#keyPrefix + streamId
    const results = await this.#redis.multi()
      .xadd(key, 'MAXLEN', '~', String(this.#maxEvents), '*', 'm', JSON.stringify(message))
      .pexpire(key, isResponse(message) ? this.#completedTtlMs : this.#ttlMs)
      .exec()
    const [error, entry] = results?.[0] ?? [new Error('Redis transaction aborted'), null]
    if (error !== null || typeof entry !== 'string') throw error ?? new Error('XADD returned no id')
    const eventId = `${streamId}_${entry}`
    if (streamId === STANDALONE_STREAM_ID && this.#onStandaloneEvent !== undefined) this.#onStandaloneEvent(eventId, message)
    return eventId
  }

  async getStreamIdForEventId (eventId: EventId): Promise<StreamId | undefined> {
    const parsed = parseEventId(eventId)
    if (parsed === undefined) return undefined
    const found = await this.#redis.xrange(this.#keyPrefix + parsed.streamId, parsed.entry, parsed.entry)
    return found.length > 0 ? parsed.streamId : undefined
  }

  /** Replays the events of `lastEventId`'s stream after it. Unknown, trimmed or expired id → nothing ('' stream). */
  async replayEventsAfter (lastEventId: EventId, { send }: { send: (eventId: EventId, message: JSONRPCMessage) => Promise<void> }): Promise<StreamId> {
    const streamId = await this.getStreamIdForEventId(lastEventId)
    if (streamId === undefined) return ''
    const entry = (parseEventId(lastEventId) as { entry: string }).entry
    const events = await this.#redis.xrange(this.#keyPrefix + streamId, `(${entry}`, '+')
    for (const [id, fields] of events) {
      const message = JSON.parse(fields[1]) as Partial<JSONRPCMessage>
      // Priming events are stored as `{}` (an id with empty data); they carry no message to replay.
      if (message.jsonrpc !== '2.0') continue
      await send(`${streamId}_${id}`, message as JSONRPCMessage)
    }
    return streamId
  }

  /** Runs `send` (the transport writing `message`) so that storing it answers `eventId` instead of adding it again. */
  async forward (eventId: EventId, message: JSONRPCMessage, send: () => Promise<void>): Promise<void> {
    this.#forwarded.set(message, eventId)
    try {
      await send()
    } finally {
      this.#forwarded.delete(message)
    }
  }

  /** While `run` replays a session's stored handshake, nothing is stored. */
  async muted (run: () => Promise<void>): Promise<void> {
    this.#muted = true
    try {
      await run()
    } finally {
      this.#muted = false
    }
  }

  /** Deletes the standalone stream (DELETE of the session); request streams expire on their own within their TTL. */
  async clear (): Promise<void> {
    await this.#redis.del(this.#keyPrefix + STANDALONE_STREAM_ID)
  }
}
