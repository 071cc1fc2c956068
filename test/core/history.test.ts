import t from 'tap'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openHistoryStore } from '../../src/history/sqlite-history.js'
import { newChartRecord, type ChartRecord } from '../../src/history/types.js'
import { normalizeChartRequest, generateChartInput } from '../../src/chart/request.js'
import { silentLogger } from '../support/logger.js'

function record (requestId: string, createdAt: number, overrides: Partial<ChartRecord> = {}): ChartRecord {
  const request = normalizeChartRequest(generateChartInput.parse({ symbol: 'SP:SPX' }), { storage: false })
  return { ...newChartRecord({ requestId, clientId: null, owner: null, engine: 'local', request, createdAt }), ...overrides }
}

t.test('records survive closing and reopening the store', async (t) => {
  const dataDir = t.testdir()
  const first = openHistoryStore({ dataDir, maxRows: 100, maxAgeDays: 30, log: silentLogger })
  await first.insert(record('req_1_aa', Date.now()))
  await first.update('req_1_aa', { status: 'completed', completedAt: Date.now(), processingTime: 42, imageFile: 'req_1_aa.png', mimeType: 'image/png', notes: ['a note'] })
  await first.close()

  const second = openHistoryStore({ dataDir, maxRows: 100, maxAgeDays: 30, log: silentLogger })
  t.teardown(async () => { await second.close() })
  const found = await second.get('req_1_aa')
  t.equal(found?.status, 'completed')
  t.equal(found?.processingTime, 42)
  t.same(found?.notes, ['a note'])
  t.equal(found?.request.symbol, 'SP:SPX')
  t.equal(found?.request.style, 'candle')
})

t.test('a request left pending by a stopped process is reported as failed, not pending forever', async (t) => {
  const dataDir = t.testdir()
  const first = openHistoryStore({ dataDir, maxRows: 100, maxAgeDays: 30, log: silentLogger })
  await first.insert(record('req_2_bb', Date.now(), { status: 'rendering' }))
  await first.close()
  const second = openHistoryStore({ dataDir, maxRows: 100, maxAgeDays: 30, log: silentLogger })
  t.teardown(async () => { await second.close() })
  t.equal((await second.get('req_2_bb'))?.status, 'failed')
  t.match((await second.get('req_2_bb'))?.error, /restarted/)
})

t.test('recent lists newest first and honours the limit', async (t) => {
  const store = openHistoryStore({ dataDir: t.testdir(), maxRows: 100, maxAgeDays: 30, log: silentLogger })
  t.teardown(async () => { await store.close() })
  const now = Date.now()
  for (let i = 0; i < 5; i++) await store.insert(record(`req_${i}_cc`, now + i))
  t.same((await store.recent(3, null)).map((r) => r.requestId), ['req_4_cc', 'req_3_cc', 'req_2_cc'])
})

t.test('retention by count and by age deletes rows and their image files', async (t) => {
  const dataDir = t.testdir()
  const store = openHistoryStore({ dataDir, maxRows: 10, maxAgeDays: 1, log: silentLogger })
  t.teardown(async () => { await store.close() })
  const now = Date.now()
  // One row two days old, then twelve fresh rows: the old one goes by age, the two oldest fresh ones by count.
  const rows = [record('req_100_dd', now - 2 * 86_400_000, { imageFile: 'req_100_dd.png' })]
  for (let i = 0; i < 12; i++) rows.push(record(`req_${200 + i}_dd`, now + i, { imageFile: `req_${200 + i}_dd.png` }))
  for (const row of rows) {
    writeFileSync(join(store.chartsDir, row.imageFile as string), 'png')
    await store.insert(row)
  }
  t.equal(await store.prune(now + 20), 3)
  t.equal(await store.get('req_100_dd'), undefined)
  t.equal(await store.get('req_200_dd'), undefined)
  t.equal(await store.get('req_201_dd'), undefined)
  t.ok(await store.get('req_202_dd'))
  t.notOk(existsSync(join(store.chartsDir, 'req_100_dd.png')), 'old image deleted')
  t.notOk(existsSync(join(store.chartsDir, 'req_201_dd.png')), 'over-count image deleted')
  t.ok(existsSync(join(store.chartsDir, 'req_211_dd.png')), 'kept image still there')
  t.equal((await store.recent(50, null)).length, 10)
})

t.test('update of an unknown id returns undefined; writability is reported', async (t) => {
  const store = openHistoryStore({ dataDir: t.testdir(), maxRows: 100, maxAgeDays: 30, log: silentLogger })
  t.equal(await store.update('req_9_ee', { status: 'failed' }), undefined)
  t.equal(store.isWritable(), true)
  await store.close()
  t.equal(store.isWritable(), false)
})
