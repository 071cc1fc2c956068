/**
 * DATA_DIR: checked before anything is created in it, and probed for real while the server runs.
 *
 * Why not `mkdirSync(dir, { recursive: true })` straight away: on a virtual file system Node's recursive mkdir can
 * loop forever (`DATA_DIR=/proc/x` spun at 100 % CPU and ignored SIGTERM: /proc answers ENOENT for every mkdir, and
 * the recursive walk keeps retrying the parent). Here each missing directory is created on its own, so any failure
 * is an error naming DATA_DIR, and pseudo file systems are refused before any write.
 */
import { mkdirSync, readdirSync, rmSync, statfsSync, statSync, writeFileSync, unlinkSync, type Stats } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/** A DATA_DIR that can never hold the store (not a directory, a pseudo file system, cannot be created). */
export class DataDirError extends Error {
  constructor (dataDir: string, reason: string) {
    super(`DATA_DIR=${dataDir} cannot be used: ${reason}. Set DATA_DIR to a writable directory on a real disk.`)
    this.name = 'DataDirError'
  }
}

// statfs f_type magic numbers of file systems that are views of the kernel, not storage (linux/magic.h).
const PSEUDO_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x1cd1, 'devpts'], [0x64626720, 'debugfs'], [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'], [0x73636673, 'securityfs'], [0xcafe4a11, 'bpf'], [0x74726163, 'tracefs']
])

/** Suffix of every temporary file the server writes in DATA_DIR; left-overs are removed at start (sweepTemporaryFiles). */
export const TEMPORARY_SUFFIX = '.tmp'

/**
 * Resolves DATA_DIR and makes sure `dir/sub` exists, creating missing levels one by one. Throws DataDirError for
 * a path that can never work; a directory that exists but is read-only or full is not an error here (the server
 * starts and says so in health and in tool errors, see probeDataDir).
 */
export function prepareDataDir (dataDir: string, sub: string): string {
  const root = resolve(dataDir)
  const missing: string[] = []
  let existing = join(root, sub)
  for (;;) {
    const stat = statOrNull(existing, dataDir)
    if (stat !== null) {
      if (!stat.isDirectory()) throw new DataDirError(dataDir, `${existing} exists and is not a directory`)
      break
    }
    const parent = dirname(existing)
    if (parent === existing) throw new DataDirError(dataDir, 'no part of the path exists')
    missing.unshift(existing)
    existing = parent
  }
  const fsType = PSEUDO_FILE_SYSTEMS.get(statfsSync(existing).type)
  if (fsType !== undefined) throw new DataDirError(dataDir, `${existing} is on the kernel's ${fsType} file system, not on a disk`)
  for (const dir of missing) {
    try {
      mkdirSync(dir)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST' && statOrNull(dir, dataDir)?.isDirectory() === true) continue
      // An existing DATA_DIR that is read-only or full: start anyway; health and tool errors say why (probeDataDir).
      if (dir !== root && describeStorageError(error) !== null) break
      throw new DataDirError(dataDir, `cannot create ${dir} (${code ?? String(error)})`)
    }
  }
  return root
}

function statOrNull (path: string, dataDir: string): Stats | null {
  try {
    return statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    if (code === 'ENOTDIR') throw new DataDirError(dataDir, `a part of ${path} is a file, not a directory`)
    throw error
  }
}

/** Removes temporary files left by a crash or a failed write (e.g. ENOSPC mid-image). Returns how many. */
export function sweepTemporaryFiles (dir: string): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }
  for (const name of names) {
    if (!name.endsWith(TEMPORARY_SUFFIX)) continue
    try {
      rmSync(join(dir, name), { force: true })
      removed++
    } catch { /* reported by the next probe if the directory is broken */ }
  }
  return removed
}

/** What a real write to DATA_DIR found. */
export interface DataDirProbe {
  ok: boolean
  /** Bytes free for this process (statfs bavail × bsize); null when unknown. */
  freeBytes: number | null
  /** Why the store cannot be written, in words a person (or a model) can act on; null when ok. */
  problem: string | null
}

/**
 * A real write (create, write, fsync via writeFileSync's flush, delete) of a small file in `dir`, plus free space:
 * permission bits alone say nothing of a full or read-only-remounted disk. `minFreeBytes` below which the disk
 * counts as full (SQLite needs room for its journal before it can commit anything).
 */
export function probeDataDir (dir: string, minFreeBytes: number): DataDirProbe {
  // The image directory may not exist yet (DATA_DIR was read-only at start): probe DATA_DIR itself then.
  if (statOrNull(dir, dir) === null) dir = dirname(dir)
  let freeBytes: number | null = null
  try {
    const stats = statfsSync(dir)
    freeBytes = stats.bavail * stats.bsize
  } catch (error) {
    return { ok: false, freeBytes, problem: `the data directory cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})` }
  }
  const file = join(dir, `.write-probe-${process.pid}${TEMPORARY_SUFFIX}`)
  try {
    writeFileSync(file, 'probe', { flush: true })
    unlinkSync(file)
  } catch (error) {
    rmSync(file, { force: true })
    return { ok: false, freeBytes, problem: describeStorageError(error) ?? `the data directory cannot be written (${String(error)})` }
  }
  if (freeBytes < minFreeBytes) {
    return { ok: false, freeBytes, problem: `the server's disk is full (${Math.floor(freeBytes / 1024)} KiB free in DATA_DIR, fewer than ${Math.floor(minFreeBytes / 1024)} KiB)` }
  }
  return { ok: true, freeBytes, problem: null }
}

/**
 * The plain reason behind a storage failure (file system errno or SQLite code), or null when the error is not
 * about storage. Used for health and for tool errors, so both say the same thing.
 */
export function describeStorageError (error: unknown): string | null {
  const code = sqliteCodeName(error) ?? (error as { code?: unknown } | null)?.code
  switch (code) {
    case 'ENOSPC': case 'EDQUOT': case 'SQLITE_FULL':
      return 'the server\'s disk is full'
    case 'EROFS': case 'SQLITE_READONLY': case 'SQLITE_READONLY_DBMOVED': case 'SQLITE_READONLY_DIRECTORY':
      return 'the server\'s data directory is read-only'
    case 'EACCES': case 'EPERM': case 'SQLITE_CANTOPEN': case 'SQLITE_PERM':
      return 'the server may not write to its data directory (permissions)'
    case 'EIO': case 'SQLITE_IOERR': case 'SQLITE_IOERR_WRITE': case 'SQLITE_IOERR_FSYNC': case 'SQLITE_IOERR_SHORT_READ':
    case 'SQLITE_CORRUPT': case 'SQLITE_IOERR_SHMOPEN': case 'SQLITE_IOERR_SHMSIZE': case 'SQLITE_IOERR_TRUNCATE':
      return 'the server\'s disk failed to read or write'
    default:
      if (typeof code === 'string' && code.startsWith('SQLITE_IOERR')) return 'the server\'s disk failed to read or write'
      return null
  }
}

// node:sqlite (../sqlite/node-sqlite.ts) throws code ERR_SQLITE_ERROR with SQLite's numeric (extended) result code
// in `errcode`; better-sqlite3 names the code. The primary code (low byte, https://sqlite.org/rescode.html) carries
// the storage reason, so it is named the way better-sqlite3 names it.
const SQLITE_PRIMARY_CODES: Record<number, string> = {
  3: 'SQLITE_PERM',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN'
}

function sqliteCodeName (error: unknown): string | undefined {
  const { code, errcode } = (error ?? {}) as { code?: unknown, errcode?: unknown }
  if (code !== 'ERR_SQLITE_ERROR' || typeof errcode !== 'number') return undefined
  return SQLITE_PRIMARY_CODES[errcode & 0xff]
}
