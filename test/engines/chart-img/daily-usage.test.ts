import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createDailyUsage } from '../../../src/engines/chart-img/daily-usage.js'
import { openSqlite } from '../../../src/sqlite/database.js'

t.test('counts per day, persists in the file, prunes old days', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chart-img-usage-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'usage.sqlite')
  const db = openSqlite(file)
  const usage = createDailyUsage(db)
  t.equal(await usage.count('2026-01-01'), 0)
  t.equal(await usage.increment('2026-01-01'), 1)
  t.equal(await usage.increment('2026-01-01'), 2)
  t.equal(await usage.increment('2026-01-02'), 1)
  await usage.decrement('2026-01-02')
  t.equal(await usage.count('2026-01-02'), 0, 'a request not spent is given back')
  t.equal(await usage.increment('2026-01-02'), 1)
  db.close()

  const reopened = openSqlite(file)
  t.teardown(() => reopened.close())
  const again = createDailyUsage(reopened)
  t.equal(await again.count('2026-01-01'), 2, 'survives reopening (table not recreated)')
  t.equal(await again.increment('2026-03-01'), 1)
  t.equal(await again.count('2026-01-01'), 0, 'days older than 35 days are pruned when a new day starts')
  t.equal(await again.count('2026-01-02'), 0)
})
