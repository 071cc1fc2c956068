import type { Logger } from 'pino'
import type { BusMessage } from '../events/types.js'
import { Channel } from './channel.js'
import { ChannelBinding } from './channel-binding.js'
import {
  type ConnectedEvent,
  type EventsMissedEvent,
  type EventsMissedReason,
  type HeartbeatEvent
} from './channel-events.js'
import { createEventIdSource, createSharedEventIdSource, type EventIdSource, type SharedEventIdSource } from './event-id.js'
import { KEEPALIVE_FRAME } from './frame.js'
import type { FrameSink } from './frame-sink.js'
import type { RedisChannelLog } from './redis-channel-log.js'
import { ReplayBuffer } from './replay-buffer.js'
import { StreamQuota, type SharedStreamQuota, type StreamSlot } from './stream-quota.js'
import { metrics } from '../metrics.js'
import { NAMED_EVENTS, type ChannelPayload, type WireFormat } from './wire-format.js'

export type ChannelLogger = Pick<Logger, 'debug' | 'info' | 'warn'>

export interface ChannelRegistryOptions {
  log: ChannelLogger
  /** Interval of the `heartbeat` event (config HEARTBEAT_MS). */
  heartbeatMs: number
  /** Interval of the `: keepalive` comment (config KEEPALIVE_MS). */
  keepaliveMs: number
  /** Open streams at most (config MAX_SSE_CLIENTS). */
  maxClients: number
  /** Open streams one quota key (principal, or address in open mode) may hold (config SSE_CHANNELS_PER_PRINCIPAL). */
  maxClientsPerKey?: number
  /** Events kept per channel for `Last-Event-ID` replay (config SSE_REPLAY_EVENTS). */
  replayEvents: number
  /** Bytes queued for one slow client before its stream is dropped (config SSE_MAX_QUEUED_BYTES). */
  maxQueuedBytes: number
  /** `retry:` sent once per stream: how soon EventSource reconnects. Default 2000 ms. */
  retryMs?: number
  /** How long a disconnected channel's replay buffer is kept. Default 5 minutes. */
  rememberMs?: number
  /** `retry:` of the close event sent on shutdown: how long clients wait before reconnecting. Default 5000 ms. */
  closingRetryMs?: number
  /** How many disconnected channels' replay buffers are kept at most (oldest go first). Default `maxClients`. */
  rememberMax?: number
  /** Id source; tests pass a fixed epoch. */
  ids?: EventIdSource
  /** How events look on the wire. Default NAMED_EVENTS (seed 004's /mcp/events); SEED_000_MESSAGES for /sse. */
  format?: WireFormat
  /**
   * The replay buffers in Redis (REDIS_URL), shared by every instance: streams open after `prepare`, and a reconnect
   * to any instance resumes. Undefined: in this process only.
   */
  shared?: { log: RedisChannelLog, spacing: number }
  /** The per-key quota counted across instances too (REDIS_URL with the security plugin). */
  sharedQuota?: SharedStreamQuota
}

/**
 * A stream about to open on a channel stored in Redis (`prepare`): the channel as stored when its `connected` event
 * was numbered, and the events that arrived here since, sent after the replay.
 */
export interface PreparedChannel {
  readonly clientId: string
  readonly owner: string | null
  readonly history: ReplayBuffer
  readonly binding: ChannelBinding
  readonly known: boolean
  readonly connectedSeq: number
  readonly pending: Array<{ seq: number, frame: Buffer }>
}

const DEFAULT_RETRY_MS = 2000
export const DEFAULT_REMEMBER_MS = 5 * 60_000
const DEFAULT_CLOSING_RETRY_MS = 5000

interface RememberedChannel {
  history: ReplayBuffer
  binding: ChannelBinding
  expiresAt: number
}

/** Who opens a stream (see ChannelBinding and src/sse/channel-access.ts). */
export interface OpenOptions {
  /** false: a server-made id no client can present again; its buffer is dropped at disconnect. */
  remember?: boolean
  /** The principal opening it (null in open mode); a new channel becomes theirs. */
  owner?: string | null
  /** The key its per-key quota is counted under. */
  quotaKey?: string
  /** Goes into the connected event: a stream that takes requests says where. */
  messagesUrl?: string
  /** With a shared log: what `prepare` returned for this stream. */
  prepared?: PreparedChannel
  /** What `reserve` returned for this stream; without it the local slot is taken here. */
  slot?: StreamSlot
}

/** A replacement of a stream open here: it takes over the replaced stream's slot (see `open`), so nothing to take. */
const REPLACEMENT: StreamSlot = Object.freeze({ release: () => {} })

/**
 * The per-client SSE channels of one process, fed by the event bus.
 *
 * - One channel per clientId; a second stream with the same id replaces the first (which is ended), and the old
 *   stream's late close can never remove the new one (release is identity-checked).
 * - `chart_progress` goes to the channel named by `message.clientId`, or to every channel when it is null. Each
 *   event is serialised and encoded once; the same frame Buffer is written to every channel and kept in every
 *   replay buffer.
 * - One shared heartbeat timer and one shared keep-alive timer for all channels (not one per channel: 10,000
 *   channels would mean 20,000 timers), both unref()'d.
 * - A disconnected channel's replay buffer is remembered for `rememberMs` (bounded by `rememberMax`) and keeps
 *   collecting its events, so a reconnect with `Last-Event-ID` gets what was sent in between.
 */
export class ChannelRegistry {
  readonly #log: ChannelLogger
  readonly #ids: EventIdSource
  readonly #format: WireFormat
  readonly #maxClients: number
  readonly #replayEvents: number
  readonly #maxQueuedBytes: number
  readonly #retryMs: number
  readonly #closingRetryMs: number
  readonly #rememberMs: number
  readonly #rememberMax: number
  readonly #live = new Map<string, Channel>()
  /** Insertion-ordered by disconnect time, so the oldest (first to expire) come first. */
  readonly #remembered = new Map<string, RememberedChannel>()
  readonly #timers: NodeJS.Timeout[]
  readonly #quota: StreamQuota
  readonly #quotaReleases = new WeakMap<Channel, StreamSlot>()
  #closed = false
  #slowClientsClosed = 0
  readonly #shared: RedisChannelLog | undefined
  readonly #sharedIds: SharedEventIdSource | undefined
  readonly #spacing: number
  /** Streams between `prepare` and `open`/`discard`. */
  readonly #opening = new Set<PreparedChannel & { pending: Array<{ seq: number, frame: Buffer }> }>()
  /** With a shared log: the `connected` number of each live stream; stored events up to it came in its replay. */
  readonly #liveFrom = new WeakMap<Channel, number>()

  constructor (options: ChannelRegistryOptions) {
    this.#log = options.log
    this.#shared = options.shared?.log
    this.#spacing = options.shared?.spacing ?? 1
    this.#sharedIds = options.shared === undefined ? undefined : createSharedEventIdSource(options.shared.log.epoch, options.shared.spacing)
    this.#ids = this.#sharedIds ?? options.ids ?? createEventIdSource()
    this.#format = options.format ?? NAMED_EVENTS
    this.#maxClients = options.maxClients
    this.#replayEvents = options.replayEvents
    this.#maxQueuedBytes = options.maxQueuedBytes
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS
    this.#closingRetryMs = options.closingRetryMs ?? DEFAULT_CLOSING_RETRY_MS
    this.#rememberMs = options.rememberMs ?? DEFAULT_REMEMBER_MS
    this.#rememberMax = options.rememberMax ?? options.maxClients
    this.#quota = new StreamQuota(options.maxClientsPerKey ?? options.maxClients, options.sharedQuota)
    this.#timers = [
      setInterval(() => this.#heartbeat(), options.heartbeatMs).unref(),
      setInterval(() => this.#keepalive(), options.keepaliveMs).unref()
    ]
    // Stored channels expire rememberMs after their last event: an open stream keeps its own alive, however quiet.
    if (this.#shared !== undefined) this.#timers.push(setInterval(() => { this.#keepShared() }, Math.max(1000, Math.floor(this.#rememberMs / 3))).unref())
  }

  /** Open streams. */
  get clientCount (): number {
    return this.#live.size
  }

  /** Disconnected channels whose replay buffer is still kept. */
  get maxClients (): number {
    return this.#maxClients
  }

  get rememberedCount (): number {
    return this.#remembered.size
  }

  /** Streams dropped because the client fell more than `maxQueuedBytes` behind. */
  get slowClientsClosed (): number {
    return this.#slowClientsClosed
  }

  /** Whether `open(clientId)` would be accepted now: not closed, and under the limit (a replacement always fits). */
  canAccept (clientId: string): boolean {
    return !this.#closed && (this.#live.size < this.#maxClients || this.#live.has(clientId))
  }

  /** Streams one quota key may hold at once. */
  get maxClientsPerKey (): number {
    return this.#quota.max
  }

  /** Whether `quotaKey` may open one more stream (a replacement of its own stream always may). */
  quotaAllows (quotaKey: string, clientId: string): boolean {
    return this.#quota.allows(quotaKey) || this.#live.has(clientId)
  }

  /**
   * Takes the slot a new stream of `clientId` needs under `quotaKey`'s quota (this instance's and, with a shared
   * quota, every instance's), before `prepare` writes anything to Redis; pass it to `open`, or release it if the
   * stream does not open. null: at the quota (429). A replacement of the stream open here needs none: it takes over
   * that stream's slot. Immediate without a shared quota.
   */
  reserve (quotaKey: string, clientId: string): StreamSlot | null | Promise<StreamSlot | null> {
    if (this.#live.has(clientId)) return REPLACEMENT
    return this.#quota.reserve(quotaKey)
  }

  /** Who a known channel (open, or remembered for a reconnect) belongs to; undefined for an unknown id. */
  bindingOf (clientId: string, prepared?: PreparedChannel): ChannelBinding | undefined {
    if (prepared !== undefined) return prepared.known ? prepared.binding : undefined
    return this.#live.get(clientId)?.binding ?? this.#remembered.get(clientId)?.binding
  }

  isLive (clientId: string): boolean {
    return this.#live.has(clientId)
  }

  /** Whether `lastEventId` is an id this registry sent on the channel `clientId` (proof of having received it). */
  provesReceipt (clientId: string, lastEventId: string | null, prepared?: PreparedChannel): boolean {
    const seq = this.#ids.parseOwn(lastEventId)
    if (seq === null) return false
    const known = prepared ?? this.#live.get(clientId) ?? this.#remembered.get(clientId)
    return known !== undefined && known.history.wasSent(seq)
  }

  /**
   * With a shared log (REDIS_URL): numbers the `connected` event of a stream about to open and loads its channel
   * from Redis; pass the result to `admitToChannel` and `open` (or `discard` it). Undefined without a shared log:
   * nothing to wait for. Rejects when Redis is unreachable.
   */
  prepare (clientId: string, owner: string | null): Promise<PreparedChannel> | undefined {
    const shared = this.#shared
    if (shared === undefined) return undefined
    return (async () => {
      // Registered before Redis numbers the connected event: events numbered after it that arrive meanwhile are kept.
      const pending: Array<{ seq: number, frame: Buffer }> = []
      const placeholder = { clientId, owner, pending } as unknown as PreparedChannel
      this.#opening.add(placeholder)
      try {
        const snapshot = await shared.connect(clientId, owner)
        const history = new ReplayBuffer(this.#replayEvents)
        const binding = new ChannelBinding(snapshot.owner)
        for (const connected of snapshot.connected) {
          const seq = connected.seq * this.#spacing
          history.markConnected(seq, connected.resumedFrom === 0 ? null : connected.resumedFrom)
        }
        history.noteEvicted(snapshot.evictedUpTo * this.#spacing)
        for (const { seq, event } of snapshot.events) {
          const wire = seq * this.#spacing
          history.push(wire, this.#format.frame(this.#ids.format(wire), { name: 'chart_progress', payload: event }))
        }
        const prepared: PreparedChannel = { clientId, owner: snapshot.owner, history, binding, known: snapshot.known, connectedSeq: (this.#sharedIds as SharedEventIdSource).observe(snapshot.connectedSeq), pending }
        this.#opening.add(prepared)
        return prepared
      } finally {
        this.#opening.delete(placeholder)
      }
    })()
  }

  /** A prepared stream that will not open (refused, or the client left). */
  discard (prepared: PreparedChannel): void {
    this.#opening.delete(prepared)
  }

  /**
   * Attaches a new stream for `clientId` and writes its first events: `connected` (with `retry:`), then, when the
   * client sent `Last-Event-ID`, every remembered event after it, then `events_missed` if that replay is incomplete.
   * The caller must have checked `canAccept` in the same tick and must have sent the response headers, and must
   * call `release(channel)` when the HTTP stream closes. `remember: false` (a server-made id no client can present
   * again) drops the replay buffer at disconnect instead of keeping it for `rememberMs`; `messagesUrl` goes into the
   * connected event (a stream that takes requests says where).
   */
  open (clientId: string, sink: FrameSink, lastEventId: string | null, options: OpenOptions = {}): Channel {
    const quotaKey = options.quotaKey ?? ''
    if (!this.canAccept(clientId) || (options.slot === undefined && !this.quotaAllows(quotaKey, clientId))) {
      throw new Error(`SSE channel registry cannot accept ${clientId}: ${this.#closed ? 'closed' : 'at the client limit'}`)
    }
    let history: ReplayBuffer | undefined
    let binding: ChannelBinding | undefined
    const { prepared } = options
    if (prepared === undefined && this.#shared !== undefined) throw new Error(`SSE channel ${clientId} opened without prepare()`)
    const previous = this.#live.get(clientId)
    // Taken before the replaced stream closes (its close releases whatever slot it still holds).
    const slot = this.#slotFor(previous, quotaKey, options.slot)
    if (previous !== undefined) {
      this.#live.delete(clientId)
      previous.close()
      history = previous.history
      binding = previous.binding
      this.#log.debug({ clientId }, 'SSE stream replaced by a new connection with the same clientId')
    } else {
      const remembered = this.#remembered.get(clientId)
      history = remembered?.history
      binding = remembered?.binding
      this.#remembered.delete(clientId)
    }
    if (prepared !== undefined) {
      // The channel as stored in Redis is the truth, whichever instance its earlier streams were on.
      this.#opening.delete(prepared)
      history = prepared.known ? prepared.history : undefined
      binding = prepared.known ? prepared.binding : undefined
    }
    const known = history !== undefined
    history ??= prepared?.history ?? new ReplayBuffer(this.#replayEvents)
    binding ??= prepared?.binding ?? new ChannelBinding(options.owner ?? null)

    const channel = new Channel({ clientId, history, binding, sink, maxQueuedBytes: this.#maxQueuedBytes, remember: options.remember })
    this.#live.set(clientId, channel)
    if (slot !== null) this.#quotaReleases.set(channel, slot)

    const resumeFrom = lastEventId === null || lastEventId === '' ? null : lastEventId
    // Only an id sent on this very channel resumes it: any other (`<epoch>-0`, one seen on another stream) replays
    // nothing. (A channel no longer known has nothing to replay: that stays `expired`.)
    const ownSeq = this.#ids.parseOwn(resumeFrom)
    const provenSeq = ownSeq !== null && known && !history.wasSent(ownSeq) ? null : ownSeq
    // A Last-Event-ID naming an earlier `connected` event resumes from where that stream resumed.
    const lastSeq = provenSeq === null ? null : history.resolve(provenSeq)
    const previousConnected = history.lastConnected
    // `connected` has an id of its own (one id names one event); the buffer remembers what it resumed from, so a
    // client cut before the replay below arrived, reconnecting with this id, gets the replay again.
    const connectedSeq = prepared?.connectedSeq ?? this.#ids.next()
    history.markConnected(connectedSeq, lastSeq)
    if (prepared !== undefined) {
      this.#liveFrom.set(channel, connectedSeq)
      if (lastSeq !== null) {
        this.#shared?.noteResumed(clientId, connectedSeq / this.#spacing, lastSeq).catch((error: unknown) => {
          this.#log.warn({ clientId, err: (error as Error).message }, 'recording a resumed SSE stream in Redis failed')
        })
      }
    }
    const connected: ConnectedEvent = { type: 'connected', clientId, timestamp: new Date().toISOString() }
    if (options.messagesUrl !== undefined) connected.messagesUrl = options.messagesUrl
    this.#send(channel, this.#format.frame(this.#ids.format(connectedSeq), { name: 'connected', payload: connected }, this.#retryMs))

    if (resumeFrom !== null) {
      this.#replay(channel, resumeFrom, lastSeq, known)
    } else if (known) {
      // No Last-Event-ID, yet this channel holds events sent since its previous stream opened (a client cut before
      // its first event comes back this way): say so rather than stay silent.
      const buffered = history.since(previousConnected).frames.length
      if (buffered > 0) this.#missed(channel, null, 'no_last_event_id', 0, buffered)
    }
    // Events numbered after the connected event that arrived while Redis loaded the channel.
    for (const { seq, frame } of prepared?.pending ?? []) {
      if (seq <= connectedSeq || channel.closed) continue
      history.push(seq, frame)
      this.#send(channel, frame)
    }
    return channel
  }

  /**
   * The slot of a stream opening: the replaced stream's for a replacement reserved as one (a reconnect keeps the
   * slot, counted under the key it was taken for), else the reserved one (the replaced stream's, if any, freed), else
   * one taken here.
   */
  #slotFor (previous: Channel | undefined, quotaKey: string, reserved: StreamSlot | undefined): StreamSlot | null {
    const previousSlot = previous === undefined ? undefined : this.#quotaReleases.get(previous)
    if (previous !== undefined) this.#quotaReleases.delete(previous)
    if (reserved === REPLACEMENT && previousSlot !== undefined) return previousSlot
    previousSlot?.release()
    return reserved === undefined || reserved === REPLACEMENT ? this.#quota.acquireLocal(quotaKey) : reserved
  }

  /**
   * Forgets a stream that has closed (for any reason); its replay buffer is remembered for a reconnect. Idempotent,
   * and identity-checked: the late close of a stream that a newer connection replaced never removes the newer one.
   */
  release (channel: Channel): void {
    channel.markClosed()
    this.#quotaReleases.get(channel)?.release()
    if (this.#live.get(channel.clientId) !== channel) return
    this.#live.delete(channel.clientId)
    if (this.#shared !== undefined) {
      // Redis remembers it (rememberMs from now); one no client can come back to is forgotten there too.
      const shared = this.#shared
      const done = channel.remember ? shared.keep([channel.clientId]) : shared.forget(channel.clientId)
      done.catch((error: unknown) => { this.#log.warn({ clientId: channel.clientId, err: (error as Error).message }, 'updating a closed SSE channel in Redis failed') })
      return
    }
    if (this.#closed || !channel.remember) return
    this.#remembered.set(channel.clientId, { history: channel.history, binding: channel.binding, expiresAt: Date.now() + this.#rememberMs })
    while (this.#remembered.size > this.#rememberMax) this.#forgetOldest()
    this.#log.debug({ clientId: channel.clientId, clients: this.#live.size }, 'SSE stream closed')
  }

  /** Routes one bus message (the registry's bus listener), only ever to channels of the message's owner. */
  deliver (message: BusMessage): void {
    if (this.#closed) return
    if (this.#shared !== undefined) {
      // The publisher stored it and numbered it (src/events/redis-store-publish.ts): no Redis call here. A message
      // without a number (an instance that does not number events) goes to the live streams only (null).
      this.#deliverStored(message, message.seq ?? null)
      return
    }
    const owner = message.owner ?? null
    if (message.clientId === null) {
      // Both registries (/mcp/events and /sse) hear every broadcast; one with no one to tell need not encode it.
      if (this.#live.size === 0 && this.#remembered.size === 0) return
      const { seq, frame } = this.#encode({ name: 'chart_progress', payload: message.event })
      // Remembered channels first: a live channel dropped as too slow in the loop below becomes remembered, and
      // must not get this event in its history twice.
      for (const remembered of this.#remembered.values()) {
        if (remembered.binding.owner === owner) remembered.history.push(seq, frame)
      }
      // Counted once per broadcast, not once per channel: a broadcast can reach 10,000 channels.
      let delivered = 0
      for (const channel of this.#live.values()) {
        if (channel.binding.owner !== owner) continue
        channel.history.push(seq, frame)
        this.#send(channel, frame)
        delivered++
      }
      if (delivered > 0) metrics.eventsDelivered.inc(delivered)
      return
    }
    const channel = this.#live.get(message.clientId)
    const target = channel ?? this.#remembered.get(message.clientId)
    // Another principal's channel is as good as none: its owner must never see this caller's events.
    const history = target?.binding.owner === owner ? target.history : undefined
    if (history === undefined) {
      // No stream and none remembered: nobody to tell, and buffering for ids that never connect would let any
      // caller grow memory. The tool result still carries the outcome.
      this.#log.debug({ clientId: message.clientId, requestId: message.event.requestId }, 'no SSE channel for event')
      metrics.eventsDropped.inc({ reason: 'no_channel' })
      return
    }
    const { seq, frame } = this.#encode({ name: 'chart_progress', payload: message.event })
    history.push(seq, frame)
    if (channel === undefined) return
    this.#send(channel, frame)
    metrics.eventsDelivered.inc()
  }

  /**
   * A bus message numbered by its publisher (`seq`; 0: for a channel no instance knows; null: unnumbered, so numbered
   * here and not replayable) to the live streams here and the streams being prepared. A live stream skips
   * events numbered up to its `connected` event: they were in its replay.
   */
  #deliverStored (message: BusMessage, seq: number | null): void {
    if (this.#closed) return
    if (seq === 0) {
      // Not stored: no instance knows the channel (every instance counts it here, as each would drop it alone).
      if (message.clientId !== null && !this.#live.has(message.clientId)) metrics.eventsDropped.inc({ reason: 'no_channel' })
      return
    }
    const wire = seq === null ? this.#ids.next() : (this.#sharedIds as SharedEventIdSource).observe(seq)
    const owner = message.owner ?? null
    const broadcast = message.clientId === null
    let frame: Buffer | undefined
    const frameOf = (): Buffer => {
      frame ??= this.#format.frame(this.#ids.format(wire), { name: 'chart_progress', payload: message.event })
      return frame
    }
    for (const opening of this.#opening) {
      if (broadcast ? opening.owner === owner : opening.clientId === message.clientId) opening.pending.push({ seq: wire, frame: frameOf() })
    }
    const targets = broadcast ? this.#live.values() : [this.#live.get(message.clientId as string)]
    let delivered = 0
    for (const channel of targets) {
      if (channel === undefined || channel.binding.owner !== owner || wire <= (this.#liveFrom.get(channel) ?? 0)) continue
      channel.history.push(wire, frameOf())
      this.#send(channel, frameOf())
      delivered++
    }
    if (delivered > 0) metrics.eventsDelivered.inc(delivered)
  }

  #keepShared (): void {
    if (this.#live.size === 0) return
    this.#shared?.keep(this.#live.keys()).catch((error: unknown) => {
      this.#log.warn({ err: (error as Error).message }, 'refreshing open SSE channels in Redis failed')
    })
  }

  /**
   * Sends one message of a stream's own conversation (GET /sse's JSON-RPC answers) to `channel` alone, if it is still
   * the live stream of its clientId; kept in its replay history like any event. `encode` gets the event id. Returns
   * whether it was sent (false: the stream closed or was replaced).
   */
  sendTo (channel: Channel, encode: (id: string) => Buffer): boolean {
    if (this.#closed || channel.closed || this.#live.get(channel.clientId) !== channel) return false
    const seq = this.#ids.next()
    const frame = encode(this.#ids.format(seq))
    channel.history.push(seq, frame)
    this.#send(channel, frame)
    return true
  }

  /** Ends the stream of `clientId` (its buffer is remembered for a reconnect). Returns whether one was open. */
  disconnect (clientId: string): boolean {
    const channel = this.#live.get(clientId)
    if (channel === undefined) return false
    channel.close()
    this.release(channel)
    return true
  }

  /** Ends every stream (dropping those of clients that stopped reading), stops the timers, forgets all buffers. Idempotent. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const timer of this.#timers) clearInterval(timer)
    const closing = this.#format.closing(this.#closingRetryMs)
    for (const channel of this.#live.values()) channel.close(closing)
    this.#live.clear()
    this.#remembered.clear()
  }

  #replay (channel: Channel, lastEventId: string, lastSeq: number | null, known: boolean): void {
    let reason: EventsMissedReason | null = null
    let replayed = 0
    if (lastSeq === null) {
      reason = 'unknown'
    } else if (!known) {
      reason = 'expired'
    } else {
      const { frames, complete } = channel.history.since(lastSeq)
      for (const frame of frames) this.#send(channel, frame)
      replayed = frames.length
      if (!complete) reason = 'evicted'
    }
    metrics.replays.inc({ result: reason === null ? 'hit' : 'miss' })
    if (reason !== null) this.#missed(channel, lastEventId, reason, replayed)
  }

  #missed (channel: Channel, lastEventId: string | null, reason: EventsMissedReason, replayed: number, buffered?: number): void {
    const missed: EventsMissedEvent = {
      type: 'events_missed',
      clientId: channel.clientId,
      lastEventId,
      reason,
      replayed,
      ...(buffered === undefined ? {} : { buffered }),
      timestamp: new Date().toISOString()
    }
    this.#send(channel, this.#encode({ name: 'events_missed', payload: missed }).frame)
  }

  #encode (event: ChannelPayload): { seq: number, frame: Buffer } {
    const seq = this.#ids.next()
    return { seq, frame: this.#format.frame(this.#ids.format(seq), event) }
  }

  /** Writes to one channel; a client that fell too far behind is dropped and forgotten here. */
  #send (channel: Channel, frame: Buffer): void {
    if (channel.send(frame)) return
    this.#slowClientsClosed++
    metrics.eventsDropped.inc({ reason: 'slow_client' })
    this.#log.warn({ clientId: channel.clientId, maxQueuedBytes: this.#maxQueuedBytes },
      'SSE client too slow; stream dropped (it resumes with Last-Event-ID)')
    this.release(channel)
  }

  #forgetOldest (): void {
    const oldest = this.#remembered.keys().next()
    if (oldest.done !== true) this.#remembered.delete(oldest.value)
  }

  #heartbeat (): void {
    if (this.#live.size === 0) return
    const heartbeat: HeartbeatEvent = { type: 'heartbeat', timestamp: new Date().toISOString() }
    const { frame } = this.#encode({ name: 'heartbeat', payload: heartbeat })
    for (const channel of this.#live.values()) this.#send(channel, frame)
  }

  #keepalive (): void {
    for (const channel of this.#live.values()) channel.sendIfIdle(KEEPALIVE_FRAME)
    const now = Date.now()
    for (const [clientId, remembered] of this.#remembered) {
      if (remembered.expiresAt > now) break
      this.#remembered.delete(clientId)
    }
  }
}

export function createChannelRegistry (options: ChannelRegistryOptions): ChannelRegistry {
  return new ChannelRegistry(options)
}
