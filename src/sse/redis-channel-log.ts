/**
 * The channel replay buffers of `/mcp/events/:clientId` and `/sse` in Redis Streams (REDIS_URL), so a client that
 * reconnects with `Last-Event-ID` to ANOTHER instance gets exactly what it missed, under the rules of the in-memory
 * registry (src/sse/registry.ts): replay only after an id sent on that channel, `events_missed` beyond the window,
 * the channel's owner bound across instances.
 *
 * Events are stored ONCE, by the instance that publishes them (src/events/redis-store-publish.ts), in one stream per
 * channel read by both registries, numbered by the cluster sequence (keys: src/redis/event-sequence.ts). This file is
 * the registries' side: opening a stream (CONNECT), keeping open channels alive, forgetting server-made ones.
 *
 * The meta stays per registry (`<p>replay:<r>:<clientId>:meta` hash {owner, created, connected}, and `…:resumed`):
 * `/mcp/events/X` and `/sse?clientId=X` are two channels that share only the events addressed to X. Each binds its
 * own owner (whoever opened it first), counts its own connected ids (a Last-Event-ID sent on one is no proof of
 * receipt on the other) and replays from its own creation (`created`: events stored for X before this registry's
 * channel existed belong to the other one). Meta, channel stream and resumed expire `rememberMs` after the last
 * event or disconnect (refreshed while a stream is open). Events an instance sends on its own (heartbeat,
 * events_missed, /sse answers) take ids between two sequence numbers (src/sse/event-id.ts).
 */
import type { Redis } from 'ioredis'
import type { ChartProgressEvent } from '../events/types.js'
import { ClusterSequence, NEXT_SEQ_LUA, ReplayKeys, CHANNEL_REGISTRIES, type ChannelRegistryName } from '../redis/event-sequence.js'

// KEYS: meta, channel stream, seq, broadcast stream, epoch, limits. ARGV: owner (JSON), ttl, floor, epoch, capacity.
// Allocates the connected event's sequence number and returns everything a stream opening needs, in one atomic step:
// every event numbered below it is in the returned entries, every later one arrives live. A channel of another owner
// is answered with its owner alone and nothing written (number 0): that stream is refused (404) and leaves no trace. Re-states the limits the
// publisher stores under (src/events/redis-store-publish.ts).
const CONNECT = NEXT_SEQ_LUA + `
local function maxDeleted (key)
  if redis.call('EXISTS', key) == 0 then return '0-0' end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'max-deleted-entry-id' then return info[i + 1] end
  end
  return '0-0'
end
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return {0, owner, 1, '0', '', {}, '0-0', {}, '0-0'} end
redis.call('SET', KEYS[5], ARGV[4], 'NX')
redis.call('HSET', KEYS[6], 'cap', ARGV[5], 'ttl', ARGV[2])
local seq = nextSeq(KEYS[3], tonumber(ARGV[3]))
local known = 1
if not owner then
  known = 0
  owner = ARGV[1]
  redis.call('HSET', KEYS[1], 'owner', owner, 'created', seq, 'connected', '')
end
local created = redis.call('HGET', KEYS[1], 'created')
local connected = redis.call('HGET', KEYS[1], 'connected') or ''
local list = connected == '' and seq or (connected .. ' ' .. seq)
local count = 0
for _ in string.gmatch(list, '%S+') do count = count + 1 end
if count > 8 then list = string.gsub(list, '^%S+ ', '') end
redis.call('HSET', KEYS[1], 'connected', list)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local own = redis.call('XRANGE', KEYS[2], '(' .. created .. '-0', '+')
local broadcast = redis.call('XRANGE', KEYS[4], '(' .. created .. '-0', '+')
return {seq, owner, known, created, connected, own, maxDeleted(KEYS[2]), broadcast, maxDeleted(KEYS[4])}
`

// KEYS: meta, resumed, the other registry's meta, channel stream. The stream is shared: it goes only when the other
// registry does not know the channel either.
const FORGET = `
redis.call('DEL', KEYS[1], KEYS[2])
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('DEL', KEYS[4]) end
`

/** One stored chart event. */
export interface StoredEvent {
  seq: number
  event: ChartProgressEvent
}

/** What a stream opening learns about its channel. */
export interface ChannelSnapshot {
  /** Sequence number of this stream's `connected` event; 0 for a channel of another owner (nothing written). */
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
  /** Which registry: `events` (/mcp/events) or `sse` (/sse): each has its own channels (meta), sharing their events. */
  registry: ChannelRegistryName
  /** The process's cluster sequence (the Redis bus's, EventBus.sequence); joined here when absent. */
  sequence?: ClusterSequence
  /** Events kept per channel (SSE_REPLAY_EVENTS). */
  capacity: number
  /** How long a channel is remembered after its last event or disconnect. */
  rememberMs: number
}

export class RedisChannelLog {
  readonly #redis: Redis
  readonly #keys: ReplayKeys
  readonly #registry: ChannelRegistryName
  readonly #other: ChannelRegistryName
  readonly #sequence: ClusterSequence
  readonly #capacity: number
  readonly #rememberMs: number

  private constructor (options: RedisChannelLogOptions, sequence: ClusterSequence) {
    this.#redis = options.redis
    this.#keys = new ReplayKeys(options.keyPrefix)
    this.#registry = options.registry
    this.#other = CHANNEL_REGISTRIES.find((registry) => registry !== options.registry) ?? options.registry
    this.#sequence = sequence
    this.#capacity = Math.max(1, options.capacity)
    this.#rememberMs = options.rememberMs
  }

  /** Joins (or starts) the cluster's id epoch, unless the bus already did. */
  static async open (options: RedisChannelLogOptions): Promise<RedisChannelLog> {
    return new RedisChannelLog(options, options.sequence ?? await ClusterSequence.join(options.redis, new ReplayKeys(options.keyPrefix)))
  }

  get epoch (): string {
    return this.#sequence.epoch
  }

  #meta (clientId: string): string {
    return this.#keys.meta(this.#registry, clientId)
  }

  /** A stream of `clientId` opens for `owner`: its connected event's number and the channel as stored. */
  async connect (clientId: string, owner: string | null): Promise<ChannelSnapshot> {
    const keys = this.#keys
    const reply = await this.#redis.eval(CONNECT, 6,
      this.#meta(clientId), keys.channel(clientId), keys.seq, keys.broadcast(owner), keys.epoch, keys.limits,
      JSON.stringify(owner), String(this.#rememberMs), String(this.#sequence.floor), this.epoch, String(this.#capacity)) as [number, string, number, string, string, XEntries, string, XEntries, string]
    const [connectedSeq, storedOwner, known, created, connected, own, ownDeleted, broadcast, broadcastDeleted] = reply
    const resumed = await this.#redis.hgetall(keys.resumed(this.#registry, clientId))
    const createdSeq = Number(created)
    this.#sequence.observe(Number(connectedSeq))
    const events = [...eventsOf(own), ...eventsOf(broadcast)].sort((a, b) => a.seq - b.seq)
    // Trimmed entries from before this channel's creation were never its own.
    const lostSince = (deleted: string): number => seqOf(deleted) > createdSeq ? seqOf(deleted) : 0
    return {
      connectedSeq: Number(connectedSeq),
      owner: JSON.parse(storedOwner) as string | null,
      known: known === 1,
      connected: connected.split(' ').filter((s) => s !== '').map((s) => ({ seq: Number(s), resumedFrom: Number(resumed[s] ?? 0) })),
      events,
      evictedUpTo: Math.max(lostSince(ownDeleted), lostSince(broadcastDeleted))
    }
  }

  /** The stream opened with `connectedSeq` resumed from `resumedFrom` (a client cut before the replay gets it again). */
  async noteResumed (clientId: string, connectedSeq: number, resumedFrom: number): Promise<void> {
    const key = this.#keys.resumed(this.#registry, clientId)
    await this.#redis.multi().hset(key, String(connectedSeq), String(resumedFrom)).pexpire(key, this.#rememberMs).exec()
  }

  /** Channels with an open stream here: remembered for another `rememberMs`, however quiet. */
  async keep (clientIds: Iterable<string>): Promise<void> {
    const pipeline = this.#redis.pipeline()
    for (const clientId of clientIds) {
      for (const key of [this.#meta(clientId), this.#keys.channel(clientId), this.#keys.resumed(this.#registry, clientId)]) pipeline.pexpire(key, this.#rememberMs)
    }
    if (pipeline.length > 0) await pipeline.exec()
  }

  /** A channel no client can come back to (a server-made id): forgotten at once. */
  async forget (clientId: string): Promise<void> {
    await this.#redis.eval(FORGET, 4, this.#meta(clientId), this.#keys.resumed(this.#registry, clientId), this.#keys.meta(this.#other, clientId), this.#keys.channel(clientId))
  }
}
