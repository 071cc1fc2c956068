/**
 * One SQLite connection for the stores that keep state in a file (chart history, Chart-IMG daily usage, the bar
 * cache), on whichever driver is safe on the running Node:
 *
 * - `better-sqlite3` (12, the last major that runs on Node 20) on Node 20 and 22;
 * - the built-in `node:sqlite` on Node 24 and newer. better-sqlite3 12 derives its Database and Statement from
 *   `node::ObjectWrap`, whose destructor in Node 24's headers removes an environment cleanup hook and asserts that a
 *   JavaScript context is entered; a garbage collection run from an idle task (no context) then aborts the process
 *   (`Assertion failed: (env) != nullptr` in `RemoveEnvironmentCleanupHook`, from `Statement::~Statement`). Any
 *   statement or closed database that becomes garbage can trigger it, so no way of using 12.x avoids it
 *   (WiseLibs/better-sqlite3#1515, closed for 12.x; the fix, 13's Node-API port, segfaults on Node 20).
 *   On Node 22 `node:sqlite` still prints an ExperimentalWarning at load, so 22 keeps better-sqlite3.
 *
 * Only what the stores use is exposed, with better-sqlite3's semantics: positional or named (`@name`, bound from an
 * object without the prefix) parameters, rows as plain objects, integers as numbers, and a 5 s busy timeout.
 */
import { openBetterSqlite } from './better-sqlite3.js'
import { nodeSqliteModule, openNodeSqlite } from './node-sqlite.js'
import type { SqliteDatabase, SqliteDriver, SqliteStatement } from './types.js'

export type { SqliteDatabase, SqliteDriver, SqliteStatement }

export interface OpenSqliteOptions {
  readonly?: boolean
  /** Defaults to the running Node's safe driver (defaultSqliteDriver); tests pass each of sqliteDrivers(). */
  driver?: SqliteDriver
}

const nodeMajor = Number(process.versions.node.split('.')[0])

/** The driver for this Node (see the header). Decided by version alone: loading node:sqlite on 22 prints a warning. */
export function defaultSqliteDriver (): SqliteDriver {
  return nodeMajor >= 24 ? 'node:sqlite' : 'better-sqlite3'
}

/** Every driver that is reliable on this Node, the default first (tests run the stores on each). */
export function sqliteDrivers (): SqliteDriver[] {
  if (defaultSqliteDriver() === 'node:sqlite') return ['node:sqlite']
  return nodeSqliteModule() === undefined ? ['better-sqlite3'] : ['better-sqlite3', 'node:sqlite']
}

export function openSqlite (file: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  const driver = options.driver ?? defaultSqliteDriver()
  const readonly = options.readonly ?? false
  return driver === 'node:sqlite' ? openNodeSqlite(file, readonly) : openBetterSqlite(file, readonly)
}
