/**
 * The Redis history store (src/history/redis-history.ts) against a real redis-server: the same contract as the
 * SQLite store (test/core/history.test.ts) — records, updates, newest-first listings per owner, retention by count
 * and by age taking images along — plus what only Redis needs: TTLs, and index entries of expired rows dropped.
 */
import { Redis } from 'ioredis'
import t from 'tap'
import { normalizeChartRequest, generateChartInput } from '../../src/chart/request.js'
import { openRedisConnection, closeRedisConnection } from '../../src/redis/connection.js'
import { RedisHealthProbe } from '../../src/redis/health-probe.js'
import { createRedisImageStore } from '../../src/history/redis-images.js'
import { openRedisHistoryStore } from '../../src/history/redis-history.js'
import { newChartRecord, type ChartRecord } from '../../src/history/types.js'
import { silentLogger } from '../support/logger.js'
import { startRedis } from '../support/redis-server.js'

const PREFIX = 'test:'

function record (requestId: string, createdAt: number, overrides: Partial<ChartRecord> = {}): ChartRecord {
  const request = normalizeChartRequest(generateChartInput.parse({ symbol: 'SP:SPX' }), { storage: false })
  return { ...newChartRecord({ requestId, clientId: null, owner: null, engine: 'local', request, createdAt }), ...overrides }
}

t.test('the Redis history store keeps the history contract', async (t) => {
  const server = await startRedis(t, t.testdir())
  const redis = openRedisConnection({ url: server.url, name: 'test', log: silentLogger })
  t.teardown(async () => { await closeRedisConnection(redis) })
  const inspect = new Redis(server.url)
  t.teardown(() => { inspect.disconnect() })
  const images = createRedisImageStore(redis, PREFIX, 86_400)
  const open = (maxRows: number): ReturnType<typeof openRedisHistoryStore> => openRedisHistoryStore({
    redis, keyPrefix: PREFIX, images, probe: new RedisHealthProbe(redis, { url: server.url }), maxRows, maxAgeDays: 1, log: silentLogger
  })

  t.test('records, updates and listings per owner', async (t) => {
    await inspect.flushall()
    const store = open(100)
    const now = Date.now()
    for (let i = 0; i < 5; i++) await store.insert(record(`req_${i}_aa`, now + i, { owner: i % 2 === 0 ? 'alice' : null }))
    const updated = await store.update('req_2_aa', { status: 'completed', processingTime: 42, notes: ['a note'] })
    t.equal(updated?.status, 'completed')
    t.same((await store.get('req_2_aa'))?.notes, ['a note'])
    t.equal(await store.update('req_9_zz', { status: 'failed' }), undefined, 'an unknown id stays unknown')
    t.equal(await inspect.exists(`${PREFIX}history:req:req_9_zz`), 0, 'and is not created')
    t.same((await store.recent(2, 'alice')).map((r) => r.requestId), ['req_4_aa', 'req_2_aa'], 'newest first, limited')
    t.same((await store.recent(10, null)).map((r) => r.requestId), ['req_3_aa', 'req_1_aa'], 'open mode sees only ownerless rows')
    t.same(await store.recent(10, 'bob'), [])
    const ttl = await inspect.ttl(`${PREFIX}history:req:req_2_aa`)
    t.ok(ttl > 86_000 && ttl <= 86_400, `an update keeps the row's expiry (${ttl} s)`)
  })

  t.test('retention by count and by age deletes rows and their images', async (t) => {
    await inspect.flushall()
    const store = open(10)
    const now = Date.now()
    const rows = [record('req_100_dd', now - 2 * 86_400_000, { imageFile: 'req_100_dd.png' })]
    for (let i = 0; i < 10; i++) rows.push(record(`req_${200 + i}_dd`, now + i, { imageFile: `req_${200 + i}_dd.png` }))
    for (const row of rows) {
      await images.save(row.imageFile as string, Buffer.from('png'))
      await store.insert(row)
    }
    t.equal(await inspect.zcard(`${PREFIX}history:index`), 10, 'the insert past the row cap pruned the oldest row at once')
    t.equal(await store.get('req_100_dd'), undefined)
    t.equal(await images.read('req_100_dd.png'), null, 'its image went with it')
    await store.insert(record('req_300_dd', now + 20, { imageFile: null }))
    t.equal(await store.get('req_200_dd'), undefined, 'one more row: the oldest goes')
    t.equal(await images.read('req_200_dd.png'), null)
    t.ok(await store.get('req_201_dd'))
    t.same(await images.read('req_209_dd.png'), Buffer.from('png'), 'kept rows keep their images')
    t.equal((await store.recent(50, null)).length, 10)
    t.equal(await store.prune(now + 3 * 86_400_000), 10, 'prune by age removes every row older than the cap')
    t.same(await store.recent(50, null), [])
    t.equal(await inspect.zcard(`${PREFIX}history:owner:-`), 0, 'and their owner listing entries')
  })

  t.test('a row that expired (TTL) leaves the listing as it is met', async (t) => {
    await inspect.flushall()
    const store = open(100)
    const now = Date.now()
    for (let i = 0; i < 4; i++) await store.insert(record(`req_${i}_ee`, now + i))
    await inspect.del(`${PREFIX}history:req:req_3_ee`, `${PREFIX}history:req:req_1_ee`)
    t.same((await store.recent(3, null)).map((r) => r.requestId), ['req_2_ee', 'req_0_ee'])
    t.equal(await inspect.zcard(`${PREFIX}history:owner:-`), 2, 'stale entries removed')
  })
})
