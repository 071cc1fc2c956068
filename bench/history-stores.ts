/**
 * The history store a request's life goes through (insert, two updates, a status read, a recent listing: what one
 * generate_chart plus one get_chart_status cost), SQLite in DATA_DIR vs Redis on 127.0.0.1, in the same run; and
 * Redis memory per history row and per 60 KB image (MEMORY USAGE). Starts its own redis-server.
 *
 *   npx tsx bench/history-stores.ts [requests]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { generateChartInput, normalizeChartRequest } from '../src/chart/request.js'
import { createRedisImageStore } from '../src/history/redis-images.js'
import { InstanceLiveness } from '../src/redis/instance-liveness.js'
import { openRedisHistoryStore } from '../src/history/redis-history.js'
import { openHistoryStore } from '../src/history/sqlite-history.js'
import { newChartRecord, type HistoryStore } from '../src/history/types.js'
import { closeRedisConnection, openRedisConnection } from '../src/redis/connection.js'
import { RedisHealthProbe } from '../src/redis/health-probe.js'
import { startRedis } from '../test/support/redis-server.js'

const requests = Number(process.argv[2] ?? 5000)
const log = pino({ level: 'silent' })
const dir = mkdtempSync(join(tmpdir(), 'bench-history-'))
const teardowns: Array<() => Promise<void>> = []
const server = await startRedis({ teardown: (fn) => { teardowns.push(fn) } }, dir)
const request = normalizeChartRequest(generateChartInput.parse({ symbol: 'SP:SPX', studies: [{ name: 'Volume' }] }), { storage: false })

async function lifecycle (store: HistoryStore, n: number): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < n; i++) {
    const requestId = `req_${Date.now()}_${i.toString(16).padStart(8, '0')}`
    await store.insert(newChartRecord({ requestId, clientId: null, owner: 'alice', engine: 'local', request, createdAt: Date.now() }))
    await store.update(requestId, { status: 'rendering', startedAt: Date.now() })
    await store.update(requestId, { status: 'completed', completedAt: Date.now(), processingTime: 50, imageFile: `${requestId}.png`, mimeType: 'image/png' })
    await store.get(requestId)
    await store.recent(10, 'alice')
  }
  return (performance.now() - started) / n
}

const sqlite = openHistoryStore({ dataDir: join(dir, 'data'), maxRows: 10_000_000, maxAgeDays: 30, log })
const redis = openRedisConnection({ url: server.url, name: 'bench', log })
const images = createRedisImageStore(redis, 'bench:', 86_400)
const liveness = new InstanceLiveness({ redis, keyPrefix: 'bench:', periodMs: 5000, log })
liveness.start()
const shared = openRedisHistoryStore({ redis, keyPrefix: 'bench:', images, liveness, probe: new RedisHealthProbe(redis, { url: server.url }), maxRows: 10_000_000, maxAgeDays: 30, log })

await lifecycle(sqlite, 200)
await lifecycle(shared, 200)
const sqliteMs = await lifecycle(sqlite, requests)
const redisMs = await lifecycle(shared, requests)
console.log(`requests: ${requests} (insert + 2 updates + get + recent(10) each), after 200 warm-up`)
console.log(`SQLite: ${(sqliteMs * 1000).toFixed(1)} µs per request`)
console.log(`Redis:  ${(redisMs * 1000).toFixed(1)} µs per request (${(redisMs / sqliteMs).toFixed(1)}× SQLite)`)

const [one] = await shared.recent(1, 'alice')
const rowBytes = await redis.memory('USAGE', `bench:history:req:${one.requestId}`) ?? 0
const indexBytes = (await redis.memory('USAGE', 'bench:history:index') ?? 0) + (await redis.memory('USAGE', 'bench:history:owner:=alice') ?? 0)
const rows = await redis.zcard('bench:history:index')
await images.save('req_1_aa.png', Buffer.alloc(60_000, 7))
const imageBytes = await redis.memory('USAGE', 'bench:image:req_1_aa.png') ?? 0
console.log(`Redis memory: ${rowBytes} B per history record + ${(indexBytes / rows).toFixed(0)} B per row in the two indexes; a 60,000 B image takes ${imageBytes} B`)

await sqlite.close()
await liveness.close()
await closeRedisConnection(redis)
for (const fn of teardowns) await fn()
rmSync(dir, { recursive: true, force: true })
