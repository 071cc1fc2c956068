/**
 * The cluster-wide numbering of chart events (REDIS_URL) and the names of the replay keys, shared by the publisher
 * (src/events/redis-store-publish.ts, one script per bus message) and the channel registries' log
 * (src/sse/redis-channel-log.ts, one script per stream opening): the two sides of one contract, so they live here.
 *
 * Keys (`<p>` = REDIS_KEY_PREFIX):
 * - `<p>replay:seq` the event sequence (INCR), `<p>replay:epoch` the id epoch every instance shares: event ids are
 *   `<epoch>-<seq × SEQ_SPACING>`, unique and ordered across instances.
 * - `<p>replay:limits` hash {cap, ttl}: how many events a channel keeps and how long, as the instances that serve
 *   streams are configured (re-stated by every stream opening); the publisher reads it, so an instance that only
 *   publishes (stdio) stores events under the serving instances' rules.
 * - `<p>replay:channel:<clientId>` one stream of a channel's chart events for BOTH registries (`/mcp/events` and
 *   `/sse` frame the same payload differently, src/sse/wire-format.ts), `<p>replay:broadcast:<owner>` one stream of
 *   an owner's broadcasts.
 * - `<p>replay:<r>:<clientId>:meta` (`<r>`: `events` or `sse`) and `…:meta:resumed`: per-registry, see
 *   src/sse/redis-channel-log.ts for why.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'

/** How far apart two sequence numbers are on the wire: room for an instance's own events in between. */
export const SEQ_SPACING = 1024

/** The channel registries whose channels are stored: `/mcp/events/:clientId` and `/sse`. */
export const CHANNEL_REGISTRIES = ['events', 'sse'] as const
export type ChannelRegistryName = typeof CHANNEL_REGISTRIES[number]

/** The replay key names under one prefix. */
export class ReplayKeys {
  readonly seq: string
  readonly epoch: string
  readonly limits: string
  readonly #root: string

  constructor (keyPrefix: string) {
    this.#root = `${keyPrefix}replay:`
    this.seq = `${this.#root}seq`
    this.epoch = `${this.#root}epoch`
    this.limits = `${this.#root}limits`
  }

  channel (clientId: string): string {
    return `${this.#root}channel:${clientId}`
  }

  broadcast (owner: string | null): string {
    return `${this.#root}broadcast:${owner === null ? '-' : encodeURIComponent(owner)}`
  }

  meta (registry: ChannelRegistryName, clientId: string): string {
    return `${this.#root}${registry}:${clientId}:meta`
  }

  resumed (registry: ChannelRegistryName, clientId: string): string {
    return `${this.meta(registry, clientId)}:resumed`
  }
}

/**
 * Lua: the next sequence number, never below one this instance has seen (`floor`). A Redis that restarted without
 * its data (or from an older snapshot) must not hand out numbers again, which live streams would take for events
 * they already have.
 */
export const NEXT_SEQ_LUA = `
local function nextSeq (seqKey, floor)
  local seq = redis.call('INCR', seqKey)
  if seq <= floor then
    seq = floor + 1
    redis.call('SET', seqKey, seq)
  end
  return seq
end
`

/**
 * One process's view of the cluster sequence: the epoch it joined and the highest number it has been given or seen
 * (the floor every script re-states). One per process, shared by its bus and its registries' logs, so a number
 * given to a stream opening here also raises the floor of the next publish here.
 */
export class ClusterSequence {
  readonly epoch: string
  #floor = 0

  private constructor (epoch: string) {
    this.epoch = epoch
  }

  /** Joins (or starts) the cluster's id epoch. */
  static async join (redis: Redis, keys: ReplayKeys): Promise<ClusterSequence> {
    await redis.set(keys.epoch, randomBytes(4).toString('hex'), 'NX')
    const epoch = await redis.get(keys.epoch)
    if (epoch === null) throw new Error(`Redis lost ${keys.epoch} as it was written`)
    return new ClusterSequence(epoch)
  }

  get floor (): number {
    return this.#floor
  }

  /** A number Redis gave out (to anyone): later ones must be above it. */
  observe (seq: number): void {
    if (seq > this.#floor) this.#floor = seq
  }
}
