/**
 * Child process for database.test.ts: the use that made better-sqlite3 12 abort on Node 24
 * (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook, from Statement::~Statement): statements and
 * closed databases left to the garbage collector while the event loop runs, collected by V8's own (idle/background)
 * collections rather than a `gc()` from JavaScript. Usage: statement-churn.ts <file> [driver]. Exits 0 when it lives.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { openSqlite, type SqliteDriver } from '../../src/sqlite/database.js'

const [file, driver] = process.argv.slice(2) as [string, SqliteDriver | undefined]
const ROUNDS = 150

for (let round = 0; round < ROUNDS; round++) {
  const db = openSqlite(file, { driver })
  db.exec('CREATE TABLE IF NOT EXISTS churn (n INTEGER)')
  for (let i = 0; i < 500; i++) db.prepare('SELECT ? AS n').get(i)
  db.prepare('INSERT INTO churn (n) VALUES (?)').run(round)
  db.close()
  // Garbage for the collector to find the statements and databases with, and a turn of the event loop for it to run in.
  const junk: Array<{ round: number, i: number }> = []
  for (let i = 0; i < 50_000; i++) junk.push({ round, i })
  await delay(1)
}
const db = openSqlite(file, { driver })
process.stdout.write(`${(db.prepare('SELECT count(*) AS n FROM churn').get() as { n: number }).n} rounds\n`)
db.close()
