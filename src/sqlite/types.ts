/** The SQLite connection the stores use, whatever the driver (./database.ts says which runs where and why). */

export type SqliteDriver = 'better-sqlite3' | 'node:sqlite'

/** A prepared statement. `Params` is the argument list: positional values, or one object of named values. */
export interface SqliteStatement<Params extends unknown[] = unknown[], Row = unknown> {
  run: (...params: Params) => { changes: number }
  get: (...params: Params) => Row | undefined
  all: (...params: Params) => Row[]
}

/** An open SQLite database file (or `:memory:`). */
export interface SqliteDatabase {
  readonly driver: SqliteDriver
  /** False once closed. */
  readonly open: boolean
  /** Runs one or more statements that return no rows (schema, pragmas). */
  exec: (sql: string) => void
  prepare: <Params extends unknown[] = unknown[], Row = unknown>(sql: string) => SqliteStatement<Params, Row>
  /** Wraps `fn` so each call runs in one transaction: committed when it returns, rolled back when it throws. */
  transaction: <Args extends unknown[], Result>(fn: (...args: Args) => Result) => (...args: Args) => Result
  close: () => void
}

/** Busy timeout, better-sqlite3's default: a second connection to the same file waits this long for a lock. */
export const BUSY_TIMEOUT_MS = 5000
