/**
 * The built-in `node:sqlite` driver behind SqliteDatabase (./database.ts), for Node 24 and newer. @types/node 20
 * has no types for it, so the few members used are declared here (Node's docs: https://nodejs.org/api/sqlite.html).
 */
import { BUSY_TIMEOUT_MS, type SqliteDatabase, type SqliteStatement } from './types.js'

interface StatementSync {
  run: (...params: unknown[]) => { changes: number | bigint }
  get: (...params: unknown[]) => Record<string, unknown> | undefined
  all: (...params: unknown[]) => Array<Record<string, unknown>>
}

interface DatabaseSync {
  readonly isOpen: boolean
  readonly isTransaction: boolean
  exec: (sql: string) => void
  prepare: (sql: string) => StatementSync
  close: () => void
}

interface NodeSqliteModule {
  DatabaseSync: new (path: string, options: { readOnly: boolean, timeout: number }) => DatabaseSync
}

/** The module, or undefined where this Node has none (Node 20) or only behind --experimental-sqlite. */
export function nodeSqliteModule (): NodeSqliteModule | undefined {
  return process.getBuiltinModule('node:sqlite') as NodeSqliteModule | undefined
}

// node:sqlite returns rows with a null prototype; better-sqlite3 (and the stores' callers) use plain objects.
const plain = <Row>(row: Record<string, unknown>): Row => ({ ...row }) as Row

export function openNodeSqlite (file: string, readonly: boolean): SqliteDatabase {
  const sqlite = nodeSqliteModule()
  if (sqlite === undefined) throw new Error(`node:sqlite is not available on Node ${process.versions.node}`)
  const db = new sqlite.DatabaseSync(file, { readOnly: readonly, timeout: BUSY_TIMEOUT_MS })

  function prepare<Params extends unknown[], Row> (sql: string): SqliteStatement<Params, Row> {
    const statement = db.prepare(sql)
    return {
      run: (...params) => ({ changes: Number(statement.run(...params).changes) }),
      get (...params) {
        const row = statement.get(...params)
        return row === undefined ? undefined : plain<Row>(row)
      },
      all: (...params) => statement.all(...params).map((row) => plain<Row>(row))
    }
  }

  // better-sqlite3's db.transaction() without its nesting through savepoints: a call made inside a transaction
  // joins it (the stores never nest one).
  function transaction<Args extends unknown[], Result> (fn: (...args: Args) => Result): (...args: Args) => Result {
    return (...args) => {
      if (db.isTransaction) return fn(...args)
      db.exec('BEGIN')
      try {
        const result = fn(...args)
        db.exec('COMMIT')
        return result
      } catch (error) {
        if (db.isTransaction) db.exec('ROLLBACK')
        throw error
      }
    }
  }

  return {
    driver: 'node:sqlite',
    get open () { return db.isOpen },
    exec (sql) { db.exec(sql) },
    prepare,
    transaction,
    close () { db.close() }
  }
}
