/**
 * The channel replay buffers of `/mcp/events/:clientId` and `/sse` in Redis Streams (REDIS_URL), so a client that
 * reconnects with `Last-Event-ID` to ANOTHER instance gets exactly what it missed, under the rules of the in-memory
 * registry (src/sse/registry.ts): replay only after an id sent on that channel, `events_missed` beyond the window,
 * the channel's owner bound across instances.
 *
 * Keys (`<p>` = REDIS_KEY_PREFIX, `<r>` = the registry: `events` or `sse`):
 * - `<p>replay:<r>:<clientId>` stream of the channel's chart events (`XADD … MAXLEN ~ SSE_REPLAY_EVENTS`), and
 *   `<p>replay:<r>:<clientId>:meta` hash {owner, created, connected}; both expire `rememberMs` after the last event or
 *   disconnect (refreshed while a stream is open).
 * - `<p>replay:<r>:broadcast:<owner>` one stream per owner for events sent to all of its channels (one XADD per
 *   broadcast, not one per channel); a channel replays the entries after its creation.
 * - `<p>replay:seq` the cluster-wide event sequence (INCR) and `<p>replay:epoch` the id epoch shared by all instances:
 *   event ids are `<epoch>-<seq × 1024>`, unique and ordered across instances. Events an instance sends on its own
 *   (heartbeat, events_missed, /sse answers) take ids between two sequence numbers (src/sse/event-id.ts).
 * - `<p>replay:<r>:msg:<sha1>` (60 s): every instance hears every bus message; the first to record it stores it, the
 *   others get the same sequence number, so each event is stored once and carries one id everywhere.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { BusMessage, ChartProgressEvent } from '../events/types.js'

/** How far apart two sequence numbers are on the wire: room for an instance's own events in between. */
export const SEQ_SPACING = 1024

const DEDUPE_TTL_MS = 60_000

// The next sequence number, never below one this instance has seen (ARGV[1]), and the epoch re-stated (KEYS[1] ←
// ARGV[2]): a Redis that restarted without its data (or from an older snapshot) must not hand out numbers again,
// which live streams would take for events they already have.
const NEXT_SEQ = `
local function nextSeq (seqKey, floor)
  local seq = redis.call('INCR', seqKey)
  if seq <= floor then
    seq = floor + 1
    redis.call('SET', seqKey, seq)
  end
  return seq
end
`

// KEYS: epoch, dedupe, seq, meta ('' for a broadcast), stream. ARGV: floor, epoch, payload, maxlen, ttl, dedupe ttl.
// Returns the event's sequence number; 0 when it is for a channel no instance knows (nobody to tell, as in memory).
const APPEND = NEXT_SEQ + `
local done = redis.call('GET', KEYS[2])
if done then return tonumber(done) end
redis.call('SET', KEYS[1], ARGV[2], 'NX')
if KEYS[4] ~= '' and redis.call('EXISTS', KEYS[4]) == 0 then
  redis.call('SET', KEYS[2], 0, 'PX', ARGV[6])
  return 0
end
local seq = nextSeq(KEYS[3], tonumber(ARGV[1]))
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'p', ARGV[3])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
if KEYS[4] ~= '' then redis.call('PEXPIRE', KEYS[4], ARGV[5]) end
redis.call('SET', KEYS[2], seq, 'PX', ARGV[6])
return seq
`

// KEYS: meta, stream, seq, broadcast stream, epoch. ARGV: owner (JSON), ttl, floor, epoch.
// Allocates the connected event's sequence number and returns everything a stream opening needs, in one atomic step:
// every event numbered below it is in the returned entries, every later one arrives live.
const CONNECT = NEXT_SEQ + `
local function maxDeleted (key)
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'max-deleted-entry-id' then return info[i + 1] end
  end
  return '0-0'
end
redis.call('SET', KEYS[5], ARGV[4], 'NX')
local seq = nextSeq(KEYS[3], tonumber(ARGV[3]))
local owner = redis.call('HGET', KEYS[1], 'owner')
local known = 1
if not owner then
  known = 0
  owner = ARGV[1]
  redis.call('HSET', KEYS[1], 'owner', owner, 'created', seq, 'connected', '')
end
local created = redis.call('HGET', KEYS[1], 'created')
local connected = redis.call('HGET', KEYS[1], 'connected') or ''
if owner == ARGV[1] then
  local list = connected == '' and seq or (connected .. ' ' .. seq)
  local count = 0
  for _ in string.gmatch(list, '%S+') do count = count + 1 end
  if count > 8 then list = string.gsub(list, '^%S+ ', '') end
  redis.call('HSET', KEYS[1], 'connected', list)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local own = redis.call('XRANGE', KEYS[2], '-', '+')
local broadcast = redis.call('XRANGE', KEYS[4], '(' .. created .. '-0', '+')
return {seq, owner, known, created, connected, own, maxDeleted(KEYS[2]), broadcast, maxDeleted(KEYS[4])}
`

/** One stored chart event. */
export interface StoredEvent {
  seq: number
  event: ChartProgressEvent
}

/** What a stream opening learns about its channel. */
export interface ChannelSnapshot {
  /** Sequence number of this stream's `connected` event. */
  connectedSeq: number
  /** The channel's owner (the caller's when the channel is new). */
  owner: string | null
  /** false: the channel was new (or forgotten: expired). */
  known: boolean
  /** Earlier `connected` events, oldest first, with the sequence number each resumed from (0: none). */
  connected: Array<{ seq: number, resumedFrom: number }>
  /** The channel's events and its owner's broadcasts since its creation, oldest first. */
  events: StoredEvent[]
  /** Highest sequence number trimmed from either stream (0: nothing lost yet). */
  evictedUpTo: number
}

type XEntries = Array<[string, string[]]>

function seqOf (entryId: string): number {
  return Number(entryId.slice(0, entryId.indexOf('-')))
}

function eventsOf (entries: XEntries): StoredEvent[] {
  return entries.map(([id, fields]) => ({ seq: seqOf(id), event: JSON.parse(fields[1]) as ChartProgressEvent }))
}

export interface RedisChannelLogOptions {
  redis: Redis
  keyPrefix: string
  /** Which registry: `events` (/mcp/events) or `sse` (/sse); their frames differ, so their logs do. */
  registry: string
  /** Events kept per channel (SSE_REPLAY_EVENTS). */
  capacity: number
  /** How long a channel is remembered after its last event or disconnect. */
  rememberMs: number
}

export class RedisChannelLog {
  readonly epoch: string
  readonly #redis: Redis
  readonly #prefix: string
  readonly #global: string
  readonly #capacity: number
  readonly #rememberMs: number
  /** The highest sequence number this instance has been given. */
  #floor = 0

  private constructor (options: RedisChannelLogOptions, epoch: string) {
    this.#redis = options.redis
    this.#global = `${options.keyPrefix}replay:`
    this.#prefix = `${options.keyPrefix}replay:${options.registry}:`
    this.#capacity = Math.max(1, options.capacity)
    this.#rememberMs = options.rememberMs
    this.epoch = epoch
  }

  /** Joins (or starts) the cluster's id epoch. */
  static async open (options: RedisChannelLogOptions): Promise<RedisChannelLog> {
    const key = `${options.keyPrefix}replay:epoch`
    await options.redis.set(key, randomBytes(4).toString('hex'), 'NX')
    const epoch = await options.redis.get(key)
    if (epoch === null) throw new Error(`Redis lost ${key} as it was written`)
    return new RedisChannelLog(options, epoch)
  }

  #meta (clientId: string): string {
    return `${this.#prefix}${clientId}:meta`
  }

  #broadcast (owner: string | null): string {
    return `${this.#prefix}broadcast:${owner === null ? '-' : encodeURIComponent(owner)}`
  }

  /**
   * Records a bus message for its channel (or its owner's channels) once, however many instances call this for it;
   * every caller gets its sequence number. 0: for a channel no instance knows.
   */
  async append (message: BusMessage): Promise<number> {
    const text = JSON.stringify(message)
    const dedupe = `${this.#prefix}msg:${createHash('sha1').update(text).digest('base64url')}`
    const owner = message.owner ?? null
    const broadcast = message.clientId === null
    const seq = Number(await this.#redis.eval(APPEND, 5,
      `${this.#global}epoch`,
      dedupe,
      `${this.#global}seq`,
      broadcast ? '' : this.#meta(message.clientId as string),
      broadcast ? this.#broadcast(owner) : this.#prefix + (message.clientId as string),
      String(this.#floor), this.epoch, JSON.stringify(message.event), String(this.#capacity), String(this.#rememberMs), String(DEDUPE_TTL_MS)))
    if (seq > this.#floor) this.#floor = seq
    return seq
  }

  /** A stream of `clientId` opens for `owner`: its connected event's number and the channel as stored. */
  async connect (clientId: string, owner: string | null): Promise<ChannelSnapshot> {
    const reply = await this.#redis.eval(CONNECT, 5,
      this.#meta(clientId), this.#prefix + clientId, `${this.#global}seq`, this.#broadcast(owner), `${this.#global}epoch`,
      JSON.stringify(owner), String(this.#rememberMs), String(this.#floor), this.epoch) as [number, string, number, string, string, XEntries, string, XEntries, string]
    const [connectedSeq, storedOwner, known, created, connected, own, ownDeleted, broadcast, broadcastDeleted] = reply
    const resumed = await this.#redis.hgetall(`${this.#meta(clientId)}:resumed`)
    const createdSeq = Number(created)
    if (Number(connectedSeq) > this.#floor) this.#floor = Number(connectedSeq)
    const events = [...eventsOf(own), ...eventsOf(broadcast).filter((e) => e.seq > createdSeq)].sort((a, b) => a.seq - b.seq)
    const broadcastLost = seqOf(broadcastDeleted)
    return {
      connectedSeq: Number(connectedSeq),
      owner: JSON.parse(storedOwner) as string | null,
      known: known === 1,
      connected: connected.split(' ').filter((s) => s !== '').map((s) => ({ seq: Number(s), resumedFrom: Number(resumed[s] ?? 0) })),
      events,
      evictedUpTo: Math.max(seqOf(ownDeleted), broadcastLost > createdSeq ? broadcastLost : 0)
    }
  }

  /** The stream opened with `connectedSeq` resumed from `resumedFrom` (a client cut before the replay gets it again). */
  async noteResumed (clientId: string, connectedSeq: number, resumedFrom: number): Promise<void> {
    const key = `${this.#meta(clientId)}:resumed`
    await this.#redis.multi().hset(key, String(connectedSeq), String(resumedFrom)).pexpire(key, this.#rememberMs).exec()
  }

  /** Channels with an open stream here: remembered for another `rememberMs`, however quiet. */
  async keep (clientIds: Iterable<string>): Promise<void> {
    const pipeline = this.#redis.pipeline()
    for (const clientId of clientIds) {
      for (const key of [this.#meta(clientId), this.#prefix + clientId, `${this.#meta(clientId)}:resumed`]) pipeline.pexpire(key, this.#rememberMs)
    }
    if (pipeline.length > 0) await pipeline.exec()
  }

  /** A channel no client can come back to (a server-made id): forgotten at once. */
  async forget (clientId: string): Promise<void> {
    await this.#redis.del(this.#meta(clientId), this.#prefix + clientId, `${this.#meta(clientId)}:resumed`)
  }
}
