/**
 * Chart request history in Redis (REDIS_URL), so `get_chart_status`, `get_recent_requests`, chart resources and the
 * owner check of /charts/<file> answer the same on every instance. Key families (all under REDIS_KEY_PREFIX):
 *
 * - `history:req:<requestId>`: string, the ChartRecord as JSON; expires HISTORY_MAX_AGE_DAYS after it was made;
 * - `history:index`: sorted set of every request id, score = createdAt (ms): the row cap and age cap prune from it;
 * - `history:owner:<-|=principal>`: sorted set of one owner's request ids (`-` = open mode's rows), score = createdAt,
 *   for the newest-first listing; entries whose record expired are dropped as they are met.
 *
 * One instance writes a request's record (the one rendering it), so an update is a read, a merge and a SET that keeps
 * the TTL. The record also names that instance (`instance`, its id in src/redis/instance-liveness.ts): a record read
 * while pending or rendering whose instance's liveness key is gone (the instance was killed, or lost Redis for longer
 * than the liveness TTL) can never finish, and is turned `failed` with ORPHANED_MESSAGE on the spot, written back by a
 * compare-and-set so that concurrent readers on any instance agree on one outcome. The row cap (HISTORY_MAX_ROWS) is
 * enforced after every insert that passes it; the age cap by the TTL and by a prune every PRUNE_EVERY inserts. Pruned rows take their images with them (`images`).
 */
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { RedisHealthProbe } from '../redis/health-probe.js'
import type { InstanceLiveness } from '../redis/instance-liveness.js'
import { sharedStoreCall } from '../redis/shared-store-call.js'
import { removeExpiredImages } from './expired-images.js'
import type { ChartRecord, HistoryStore, ImageStore } from './types.js'

export interface RedisHistoryOptions {
  redis: Redis
  keyPrefix: string
  images: ImageStore
  probe: RedisHealthProbe
  /** This instance (named in the records it writes) and the liveness keys of all. */
  liveness: InstanceLiveness
  maxRows: number
  maxAgeDays: number
  log: Logger
}

const PRUNE_EVERY = 50
/** How many stale (expired) index entries one listing cleans before giving up on filling its page. */
const MAX_LISTING_ROUNDS = 4

/** The error of a request whose instance stopped before finishing it: what happened, and what to do. */
export const ORPHANED_MESSAGE = 'The server instance rendering this chart stopped before it finished; generate it again.'

/** A record as stored: the ChartRecord and the id of the instance running the request. */
type StoredRecord = ChartRecord & { instance?: string }

// Writes the failed record only if the stored one is still the one read (no update, no other reader's failure since)
// and the instance is still gone; answers the record as it now stands. A string compare, not a cjson round trip: cjson
// turns empty arrays into objects.
const FAIL_ORPHAN = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1 then return current end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL', 'XX')
return ARGV[2]
`

export function openRedisHistoryStore (options: RedisHistoryOptions): HistoryStore {
  const { redis, keyPrefix, images, probe, liveness, log } = options
  const ttlSeconds = options.maxAgeDays * 86_400
  const recordKey = (requestId: string): string => `${keyPrefix}history:req:${requestId}`
  const indexKey = `${keyPrefix}history:index`
  // `=` before a principal, `-` alone for open mode: no principal id can collide with open mode's set.
  const ownerKey = (owner: string | null): string => `${keyPrefix}history:owner:${owner === null ? '-' : `=${owner}`}`
  let insertsSincePrune = 0

  /** The record of stored `json`, turned failed first when the instance running it is gone. */
  async function settle (json: string): Promise<ChartRecord> {
    const stored = JSON.parse(json) as StoredRecord
    const { instance, ...record } = stored
    // This instance's own requests: it is alive, asking Redis would cost a round trip for nothing.
    if (instance === undefined || instance === liveness.id || (record.status !== 'pending' && record.status !== 'rendering')) return record
    const failed: StoredRecord = { ...stored, status: 'failed', completedAt: Date.now(), error: ORPHANED_MESSAGE }
    const now = await sharedStoreCall('read the chart history', async () =>
      await redis.eval(FAIL_ORPHAN, 2, recordKey(record.requestId), liveness.keyOf(instance), json, JSON.stringify(failed)) as string | null)
    if (now === json || now === null) return record
    const settled = JSON.parse(now) as StoredRecord
    if (now === JSON.stringify(failed)) log.warn({ requestId: record.requestId, instance }, 'chart request failed: its instance stopped before finishing it')
    delete settled.instance
    return settled
  }

  async function get (requestId: string): Promise<ChartRecord | undefined> {
    const json = await sharedStoreCall('read the chart history', async () => await redis.get(recordKey(requestId)))
    return json === null ? undefined : await settle(json)
  }

  async function prune (now = Date.now()): Promise<number> {
    const cutoff = now - options.maxAgeDays * 86_400_000
    const [aged, count] = await sharedStoreCall('prune the chart history', async () => await Promise.all([
      redis.zrangebyscore(indexKey, '-inf', `(${cutoff}`),
      redis.zcard(indexKey)
    ]))
    const excess = Math.max(0, count - options.maxRows)
    const overCount = excess === 0 ? [] : await sharedStoreCall('prune the chart history', async () => await redis.zrange(indexKey, '0', String(excess - 1)))
    const expired = [...new Set([...aged, ...overCount])]
    if (expired.length === 0) return 0
    const stored = await sharedStoreCall('prune the chart history', async () => await redis.mget(expired.map(recordKey)))
    const records = stored.flatMap((json) => json === null ? [] : [JSON.parse(json) as ChartRecord])
    const transaction = redis.multi()
    transaction.zrem(indexKey, ...expired)
    transaction.del(...expired.map(recordKey))
    for (const record of records) transaction.zrem(ownerKey(record.owner), record.requestId)
    await sharedStoreCall('prune the chart history', async () => await transaction.exec())
    await removeExpiredImages(images, records.map((record) => record.imageFile), log)
    log.info({ removed: expired.length }, 'pruned chart history')
    return expired.length
  }

  return {
    images,
    async insert (record) {
      const owner = ownerKey(record.owner)
      const results = await sharedStoreCall('record the chart request', async () => await redis.multi()
        .set(recordKey(record.requestId), JSON.stringify({ ...record, instance: liveness.id } satisfies StoredRecord), 'EX', ttlSeconds)
        .zadd(indexKey, record.createdAt, record.requestId)
        .zadd(owner, record.createdAt, record.requestId)
        .expire(indexKey, ttlSeconds)
        .expire(owner, ttlSeconds)
        .zcard(indexKey)
        .exec())
      const rows = Number(results?.[5]?.[1] ?? 0)
      if (rows > options.maxRows || ++insertsSincePrune >= PRUNE_EVERY) {
        insertsSincePrune = 0
        // The request is recorded; a failed prune is retried with the next insert and must not fail this chart.
        await prune().catch((error: unknown) => { log.warn({ err: error }, 'could not prune chart history') })
      }
    },
    async update (requestId, patch) {
      // Read as stored: the instance running it is the one updating it, and stays named.
      const json = await sharedStoreCall('read the chart history', async () => await redis.get(recordKey(requestId)))
      if (json === null) return undefined
      const { instance, ...current } = JSON.parse(json) as StoredRecord
      const updated: ChartRecord = { ...current, ...patch, requestId }
      // KEEPTTL: the row still expires HISTORY_MAX_AGE_DAYS after it was made; XX: a row pruned meanwhile stays gone.
      await sharedStoreCall('update the chart history', async () => await redis.set(recordKey(requestId), JSON.stringify({ ...updated, instance } satisfies StoredRecord), 'KEEPTTL', 'XX'))
      return updated
    },
    get,
    async recent (limit, owner) {
      const key = ownerKey(owner)
      const found: ChartRecord[] = []
      let start = 0
      for (let round = 0; round < MAX_LISTING_ROUNDS && found.length < limit; round++) {
        const ids = await sharedStoreCall('list recent chart requests', async () => await redis.zrevrange(key, start, start + limit - found.length - 1))
        if (ids.length === 0) break
        const records = await sharedStoreCall('list recent chart requests', async () => await redis.mget(ids.map(recordKey)))
        const stale: string[] = []
        const live: string[] = []
        records.forEach((json, i) => {
          if (json === null) stale.push(ids[i])
          else live.push(json)
        })
        found.push(...await Promise.all(live.map(settle)))
        if (stale.length > 0) await sharedStoreCall('list recent chart requests', async () => await redis.zrem(key, ...stale))
        start += ids.length - stale.length
      }
      return found
    },
    prune,
    isWritable: () => probe.lastProblem === null,
    problem: () => probe.lastProblem,
    // The connection belongs to the shared state (src/redis/shared-state.ts), which closes it.
    close: async () => {}
  }
}
