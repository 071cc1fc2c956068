/**
 * Chart request history in SQLite (../sqlite/database.ts picks the driver): every request with its arguments, status, timings, error and
 * image file. Survives restarts; retention is bounded by row count and age, and pruning deletes the image files too.
 */
import { dirname, join } from 'node:path'
import type { Logger } from 'pino'
import { openSqlite, type SqliteDatabase, type SqliteStatement } from '../sqlite/database.js'
import { describeStorageError, prepareDataDir, probeDataDir, sweepTemporaryFiles } from './data-dir.js'
import { createDirectoryImageStore } from './directory-images.js'
import { removeExpiredImages } from './expired-images.js'
import type { ChartRecord, HistoryStore, RequestStatus } from './types.js'

export interface HistoryStoreOptions {
  dataDir: string
  maxRows: number
  maxAgeDays: number
  log: Logger
  /** Free bytes in DATA_DIR below which the store counts as full (DATA_DIR_MIN_FREE_BYTES). Default 16 MiB. */
  minFreeBytes?: number
}

export const DEFAULT_MIN_FREE_BYTES = 16 * 1024 * 1024

/** The SQLite store also lends its database to other small tables that must survive restarts (Chart-IMG daily usage). */
export interface SqliteHistoryStore extends HistoryStore {
  readonly db: SqliteDatabase
  /** Directory where image files live (DATA_DIR/charts). */
  readonly chartsDir: string
}

interface Row {
  request_id: string
  client_id: string | null
  owner: string | null
  engine: string
  request_json: string
  status: string
  created_at: number
  started_at: number | null
  completed_at: number | null
  processing_time: number | null
  error: string | null
  image_file: string | null
  mime_type: string | null
  remote_url: string | null
  expires_at: string | null
  notes_json: string
}

const COLUMNS: Record<keyof Omit<ChartRecord, 'requestId'>, keyof Row> = {
  clientId: 'client_id',
  owner: 'owner',
  engine: 'engine',
  request: 'request_json',
  status: 'status',
  createdAt: 'created_at',
  startedAt: 'started_at',
  completedAt: 'completed_at',
  processingTime: 'processing_time',
  error: 'error',
  imageFile: 'image_file',
  mimeType: 'mime_type',
  remoteUrl: 'remote_url',
  expiresAt: 'expires_at',
  notes: 'notes_json'
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS chart_requests (
  request_id TEXT PRIMARY KEY,
  client_id TEXT,
  engine TEXT NOT NULL,
  request_json TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  processing_time INTEGER,
  error TEXT,
  image_file TEXT,
  mime_type TEXT,
  remote_url TEXT,
  expires_at TEXT,
  notes_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS chart_requests_created ON chart_requests (created_at DESC);
`

/** Databases made before rows had owners gain the column; their rows stay ownerless (visible in open mode only). */
function addOwnerColumn (db: SqliteDatabase): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(chart_requests)').all()
  if (!columns.some((column) => column.name === 'owner')) db.exec('ALTER TABLE chart_requests ADD COLUMN owner TEXT')
  db.exec('CREATE INDEX IF NOT EXISTS chart_requests_owner_created ON chart_requests (owner, created_at DESC)')
}

// Prune every this many inserts, so retention holds without a timer and without a scan per request.
const PRUNE_EVERY = 50
const WRITABLE_PROBE_MS = 1000

function toRecord (row: Row): ChartRecord {
  return {
    requestId: row.request_id,
    clientId: row.client_id,
    owner: row.owner,
    engine: row.engine as ChartRecord['engine'],
    request: JSON.parse(row.request_json),
    status: row.status as RequestStatus,
    createdAt: row.created_at,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    processingTime: row.processing_time,
    error: row.error,
    imageFile: row.image_file,
    mimeType: row.mime_type,
    remoteUrl: row.remote_url,
    expiresAt: row.expires_at,
    notes: JSON.parse(row.notes_json)
  }
}

function toColumnValue (key: keyof typeof COLUMNS, value: unknown): unknown {
  if (key === 'request' || key === 'notes') return JSON.stringify(value)
  return value ?? null
}

/**
 * The database file, or — when DATA_DIR exists but cannot be written (read-only mount, full disk) — an in-memory
 * one, so the server still starts, says what is wrong in health and tool errors, and recovers on restart.
 */
function openDatabase (file: string, log: Logger): { db: SqliteDatabase, startupProblem: string | null } {
  let db: SqliteDatabase | undefined
  try {
    db = openSqlite(file)
    // WAL: readers (status look-ups) never wait for the writer.
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = NORMAL')
    db.exec(SCHEMA)
    return { db, startupProblem: null }
  } catch (error) {
    db?.close()
    if (describeStorageError(error) === null) throw error
    // SQLite says only "cannot open"; a write probe of the directory says why (read-only, full, permissions).
    const reason = probeDataDir(dirname(file), 0).problem ?? describeStorageError(error)
    log.error({ err: error, file }, 'history store cannot be written; keeping history in memory until restart')
    const memory = openSqlite(':memory:')
    memory.exec(SCHEMA)
    return { db: memory, startupProblem: `${reason} (the history store could not be opened at start)` }
  }
}

export function openHistoryStore (options: HistoryStoreOptions): SqliteHistoryStore {
  const dataDir = prepareDataDir(options.dataDir, 'charts')
  const chartsDir = join(dataDir, 'charts')
  const images = createDirectoryImageStore(chartsDir)
  const swept = sweepTemporaryFiles(chartsDir) + sweepTemporaryFiles(dataDir)
  if (swept > 0) options.log.info({ count: swept }, 'removed temporary files left by an earlier run')
  const { db, startupProblem } = openDatabase(join(dataDir, 'history.sqlite'), options.log)
  addOwnerColumn(db)
  const minFreeBytes = options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES

  const insertStmt = db.prepare(`INSERT INTO chart_requests (${['request_id', ...Object.values(COLUMNS)].join(', ')})
    VALUES (${['@requestId', ...Object.keys(COLUMNS).map((k) => `@${k}`)].join(', ')})`)
  const getStmt = db.prepare<[string], Row>('SELECT * FROM chart_requests WHERE request_id = ?')
  // `owner IS ?` matches NULL to NULL: open mode's rows are ownerless.
  const recentStmt = db.prepare<[string | null, number], Row>('SELECT * FROM chart_requests WHERE owner IS ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
  const expiredStmt = db.prepare<[number, number], Pick<Row, 'request_id' | 'image_file'>>(`
    SELECT request_id, image_file FROM chart_requests WHERE created_at < ?
    UNION
    SELECT request_id, image_file FROM chart_requests WHERE request_id NOT IN (
      SELECT request_id FROM chart_requests ORDER BY created_at DESC, rowid DESC LIMIT ?)`)
  const deleteStmt = db.prepare<[string]>('DELETE FROM chart_requests WHERE request_id = ?')
  const updateStatements = new Map<string, SqliteStatement<[Record<string, unknown>]>>()
  let insertsSincePrune = 0
  let closed = false
  let problem: string | null = startupProblem
  let problemCheckedAt = 0

  function currentProblem (): string | null {
    if (closed || !db.open) return 'the history store is closed'
    // Probed at most once a second: health checks may come thousands of times a second (monitoring, load tests).
    const now = Date.now()
    if (now - problemCheckedAt < WRITABLE_PROBE_MS) return problem
    problemCheckedAt = now
    const probe = probeDataDir(chartsDir, minFreeBytes)
    problem = startupProblem ?? probe.problem
    return problem
  }

  // A request still pending when the process stopped will never finish: say so instead of leaving it pending forever.
  // Upkeep at start must not stop a server whose disk is full: it then starts, and health says why.
  upkeep('mark interrupted chart requests as failed', () => {
    const interrupted = db.prepare(`UPDATE chart_requests SET status = 'failed', error = 'The server restarted before this chart finished; generate it again.'
      WHERE status IN ('pending', 'rendering')`).run()
    if (interrupted.changes > 0) options.log.warn({ count: interrupted.changes }, 'marked interrupted chart requests as failed')
  })

  function upkeep (what: string, work: () => void): void {
    try {
      work()
    } catch (error) {
      if (describeStorageError(error) === null) throw error
      options.log.warn({ err: error }, `could not ${what}`)
    }
  }

  function update (requestId: string, patch: Partial<Omit<ChartRecord, 'requestId'>>): ChartRecord | undefined {
    const keys = (Object.keys(patch) as Array<keyof typeof COLUMNS>).filter((k) => k in COLUMNS).sort()
    if (keys.length > 0) {
      const signature = keys.join(',')
      let stmt = updateStatements.get(signature)
      if (stmt === undefined) {
        stmt = db.prepare(`UPDATE chart_requests SET ${keys.map((k) => `${COLUMNS[k]} = @${k}`).join(', ')} WHERE request_id = @requestId`)
        updateStatements.set(signature, stmt)
      }
      const params: Record<string, unknown> = { requestId }
      for (const key of keys) params[key] = toColumnValue(key, patch[key])
      stmt.run(params)
    }
    return get(requestId)
  }

  function get (requestId: string): ChartRecord | undefined {
    const row = getStmt.get(requestId)
    return row === undefined ? undefined : toRecord(row)
  }

  /** Deletes the rows now; their images go right after (awaited by `prune`, in the background from upkeep). */
  function prune (now = Date.now()): { removed: number, imagesRemoved: Promise<void> } {
    const cutoff = now - options.maxAgeDays * 86_400_000
    const expired = expiredStmt.all(cutoff, options.maxRows)
    if (expired.length === 0) return { removed: 0, imagesRemoved: Promise.resolve() }
    db.transaction(() => { for (const row of expired) deleteStmt.run(row.request_id) })()
    options.log.info({ removed: expired.length }, 'pruned chart history')
    return { removed: expired.length, imagesRemoved: removeExpiredImages(images, expired.map((row) => row.image_file), options.log) }
  }

  upkeep('prune chart history', () => { prune() })

  // Synchronous underneath (better-sqlite3 answers in microseconds); async only to share the interface with Redis.
  return {
    db,
    chartsDir,
    images,
    async insert (record) {
      const params: Record<string, unknown> = { requestId: record.requestId }
      for (const key of Object.keys(COLUMNS) as Array<keyof typeof COLUMNS>) params[key] = toColumnValue(key, record[key])
      insertStmt.run(params)
      if (++insertsSincePrune >= PRUNE_EVERY) {
        insertsSincePrune = 0
        upkeep('prune chart history', () => { prune() })
      }
    },
    update: async (requestId, patch) => update(requestId, patch),
    get: async (requestId) => get(requestId),
    async recent (limit, owner) {
      return recentStmt.all(owner, limit).map(toRecord)
    },
    async prune (now) {
      const { removed, imagesRemoved } = prune(now)
      await imagesRemoved
      return removed
    },
    isWritable: () => currentProblem() === null,
    problem: currentProblem,
    async close () {
      if (closed) return
      closed = true
      db.close()
    }
  }
}
