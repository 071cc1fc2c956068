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
import { openRedisHistoryStore, ORPHANED_MESSAGE } from '../../src/history/redis-history.js'
import { InstanceLiveness } from '../../src/redis/instance-liveness.js'
import { newChartRecord, type ChartRecord } from '../../src/history/types.js'
import { silentLogger } from '../support/logger.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'

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
  const livenesses: InstanceLiveness[] = []
  t.teardown(async () => { for (const liveness of livenesses) await liveness.close() })
  const open = (maxRows: number, connection = redis): ReturnType<typeof openRedisHistoryStore> => {
    const liveness = new InstanceLiveness({ redis: connection, keyPrefix: PREFIX, periodMs: 100, log: silentLogger })
    liveness.start()
    livenesses.push(liveness)
    return openRedisHistoryStore({
      redis: connection, keyPrefix: PREFIX, images, liveness, probe: new RedisHealthProbe(connection, { url: server.url }), maxRows, maxAgeDays: 1, log: silentLogger
    })
  }

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

  t.test('a request whose instance died reads as failed, once, the same for every reader', async (t) => {
    await inspect.flushall()
    // The rendering instance on a connection of its own: dropping it is the instance dying (its liveness key is no
    // longer refreshed and expires after 3 × 100 ms).
    const dying = openRedisConnection({ url: server.url, name: 'dying', log: silentLogger })
    const renderer = open(100, dying)
    const reader = open(100)
    const otherReader = open(100)
    const now = Date.now()
    await renderer.insert(record('req_1_ff', now, { owner: 'alice' }))
    await renderer.update('req_1_ff', { status: 'rendering', startedAt: now })
    await renderer.insert(record('req_2_ff', now + 1, { owner: 'alice' }))
    await renderer.insert(record('req_3_ff', now + 2, { owner: 'alice' }))
    await renderer.update('req_3_ff', { status: 'completed', completedAt: now + 3, processingTime: 1 })
    t.equal((await reader.get('req_1_ff'))?.status, 'rendering', 'while its instance lives, a rendering request reads as rendering')
    t.equal((await reader.get('req_2_ff'))?.status, 'pending')
    t.notOk('instance' in ((await reader.get('req_1_ff')) ?? {}), 'the instance id stays inside the store')

    dying.disconnect()
    const failed = await waitFor('the rendering request to read as failed', async () => {
      const found = await reader.get('req_1_ff')
      return found?.status === 'failed' ? found : undefined
    }, 30_000)
    t.equal(failed.error, ORPHANED_MESSAGE, 'with an error a model can act on')
    t.match(failed.error, /generate it again/)
    t.ok(failed.completedAt !== null && failed.completedAt >= now, 'completedAt set')
    t.same(failed.notes, [], 'the rest of the record is kept as it was (an empty array stays an array)')
    t.equal(failed.startedAt, now)
    const stored = JSON.parse(await inspect.get(`${PREFIX}history:req:req_1_ff`) ?? '{}')
    t.equal(stored.status, 'failed', 'written back to Redis')
    t.ok((await inspect.ttl(`${PREFIX}history:req:req_1_ff`)) > 86_000, 'keeping its expiry')

    // Many readers at once on two instances: one outcome, written once.
    const concurrent = await Promise.all([
      ...Array.from({ length: 10 }, async () => await reader.get('req_2_ff')),
      ...Array.from({ length: 10 }, async () => await otherReader.get('req_2_ff')),
      otherReader.recent(10, 'alice').then((rows) => rows.find((row) => row.requestId === 'req_2_ff'))
    ])
    t.ok(concurrent.every((row) => row?.status === 'failed' && row.error === ORPHANED_MESSAGE), 'every concurrent reader sees it failed')
    t.equal(new Set(concurrent.map((row) => row?.completedAt)).size, 1, 'with the same completedAt: every reader agrees on one write')
    t.equal(JSON.parse(await inspect.get(`${PREFIX}history:req:req_2_ff`) ?? '{}').completedAt, concurrent[0]?.completedAt, 'the stored record is that one')

    const listed = await reader.recent(10, 'alice')
    t.same(listed.map((row) => [row.requestId, row.status]), [['req_3_ff', 'completed'], ['req_2_ff', 'failed'], ['req_1_ff', 'failed']], 'the listing says the same; a finished request is left as it was')
  })
})
