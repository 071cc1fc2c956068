/**
 * The better-sqlite3 driver behind SqliteDatabase (./database.ts), for Node 20 and 22. Loaded on first use, so a
 * runtime that uses node:sqlite never loads the native addon.
 */
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import { BUSY_TIMEOUT_MS, type SqliteDatabase, type SqliteStatement } from './types.js'

const require = createRequire(import.meta.url)

export function openBetterSqlite (file: string, readonly: boolean): SqliteDatabase {
  const Database = require('better-sqlite3') as typeof BetterSqlite3
  const db = new Database(file, { readonly, timeout: BUSY_TIMEOUT_MS })
  return {
    driver: 'better-sqlite3',
    get open () { return db.open },
    exec (sql) { db.exec(sql) },
    prepare: <Params extends unknown[], Row>(sql: string): SqliteStatement<Params, Row> => db.prepare<unknown[], Row>(sql),
    transaction: (fn) => db.transaction(fn),
    close () { db.close() }
  }
}
