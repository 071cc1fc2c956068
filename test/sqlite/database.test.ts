import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { describeStorageError } from '../../src/history/data-dir.js'
import { defaultSqliteDriver, openSqlite, sqliteDrivers } from '../../src/sqlite/database.js'

const CHURN = join(import.meta.dirname, 'statement-churn.ts')

t.test('the driver follows the Node version: node:sqlite from Node 24 (better-sqlite3 12 aborts there)', async (t) => {
  const major = Number(process.versions.node.split('.')[0])
  t.equal(defaultSqliteDriver(), major >= 24 ? 'node:sqlite' : 'better-sqlite3')
  t.equal(sqliteDrivers()[0], defaultSqliteDriver())
  if (major >= 24) t.same(sqliteDrivers(), ['node:sqlite'], 'better-sqlite3 is never offered on Node 24')
  const db = openSqlite(':memory:')
  t.teardown(() => { db.close() })
  t.equal(db.driver, defaultSqliteDriver())
})

for (const driver of sqliteDrivers()) {
  t.test(`${driver}: statements, named parameters, plain rows, numbers`, async (t) => {
    const db = openSqlite(join(t.testdir(), 'db.sqlite'), { driver })
    t.teardown(() => { if (db.open) db.close() })
    t.equal(db.driver, driver)
    db.exec('PRAGMA journal_mode = WAL; CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER, note TEXT)')
    const insert = db.prepare<[Record<string, unknown>]>('INSERT INTO items (id, n, note) VALUES (@id, @n, @note)')
    t.equal(insert.run({ id: 'a', n: 1, note: null }).changes, 1)
    insert.run({ id: 'b', n: 2 ** 40, note: 'big' })
    const row = db.prepare<[string], { id: string, n: number, note: string | null }>('SELECT * FROM items WHERE id = ?').get('b')
    t.strictSame(row, { id: 'b', n: 2 ** 40, note: 'big' }, 'a plain object; integers as numbers')
    t.equal(Object.getPrototypeOf(row), Object.prototype)
    t.equal(db.prepare('SELECT * FROM items WHERE id = ?').get('none'), undefined)
    t.strictSame(db.prepare('SELECT id FROM items ORDER BY id').all(), [{ id: 'a' }, { id: 'b' }])
    t.equal(db.prepare<[string]>('DELETE FROM items WHERE id = ?').run('a').changes, 1)
    t.same(db.prepare('INSERT INTO items (id, n) VALUES (?, 7) ON CONFLICT (id) DO UPDATE SET n = n + 1 RETURNING n').get('b'), { n: 2 ** 40 + 1 })
    t.equal(db.open, true)
    db.close()
    t.equal(db.open, false)
  })

  t.test(`${driver}: a transaction commits when its function returns and rolls back when it throws`, async (t) => {
    const db = openSqlite(':memory:', { driver })
    t.teardown(() => { db.close() })
    db.exec('CREATE TABLE log (n INTEGER)')
    const add = db.prepare<[number]>('INSERT INTO log (n) VALUES (?)')
    const addAll = db.transaction((values: number[], fail: boolean) => {
      for (const n of values) add.run(n)
      if (fail) throw new Error('stop')
      return values.length
    })
    t.equal(addAll([1, 2], false), 2)
    t.throws(() => addAll([3, 4], true), /stop/)
    t.same(db.prepare('SELECT n FROM log ORDER BY n').all(), [{ n: 1 }, { n: 2 }], 'the failed call left nothing')
    t.equal(addAll([5], false), 1, 'usable after a rollback')
  })

  t.test(`${driver}: storage failures are named the same way (disk full, cannot open, read-only)`, async (t) => {
    const db = openSqlite(join(t.testdir(), 'full.sqlite'), { driver })
    t.teardown(() => { db.close() })
    // A page cap makes SQLite report SQLITE_FULL exactly as a full disk does.
    db.exec('CREATE TABLE blobs (b TEXT); PRAGMA max_page_count = 4')
    const error = (() => { try { db.prepare('INSERT INTO blobs (b) VALUES (?)').run('x'.repeat(64 * 1024)) } catch (e) { return e } })()
    t.equal(describeStorageError(error), 'the server\'s disk is full')
    // A directory where the file should be: SQLite cannot open it (SQLITE_CANTOPEN).
    const unopenable = (() => { try { openSqlite(t.testdirName, { driver }) } catch (e) { return e } })()
    t.equal(describeStorageError(unopenable), 'the server may not write to its data directory (permissions)')
    t.equal(describeStorageError(new Error('not storage')), null)
  })

  t.test(`${driver}: read-only connections read and refuse writes`, async (t) => {
    const file = join(t.testdir(), 'ro.sqlite')
    const writer = openSqlite(file, { driver })
    writer.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)')
    writer.close()
    const reader = openSqlite(file, { driver, readonly: true })
    t.teardown(() => { reader.close() })
    t.same(reader.prepare('SELECT n FROM t').all(), [{ n: 1 }])
    const error = (() => { try { reader.exec('INSERT INTO t VALUES (2)') } catch (e) { return e } })()
    t.equal(describeStorageError(error), 'the server\'s data directory is read-only')
  })

  t.test(`${driver}: statements and closed databases collected while the event loop runs do not abort the process`, async (t) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHURN, join(t.testdir(), 'churn.sqlite'), driver], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString() })
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => { child.on('close', (c, s) => { resolve([c, s]) }) })
    t.equal(signal, null, err)
    t.equal(code, 0, err)
    t.equal(out, '150 rounds\n')
  })
}
