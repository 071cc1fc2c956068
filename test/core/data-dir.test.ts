/**
 * DATA_DIR checks (src/history/data-dir.ts): refused before anything is created when it can never work, created
 * level by level otherwise; temporary files left by a crash are swept at start; the probe really writes.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DataDirError, describeStorageError, prepareDataDir, probeDataDir, sweepTemporaryFiles } from '../../src/history/data-dir.js'
import { openHistoryStore } from '../../src/history/sqlite-history.js'
import { silentLogger } from '../support/logger.js'

t.test('a path on /proc or /sys is refused at once, naming DATA_DIR', async (t) => {
  for (const dir of ['/proc/chart-data', '/sys/chart-data/deeper']) {
    t.throws(() => prepareDataDir(dir, 'charts'), new DataDirError(dir, `${dir.split('/').slice(0, 2).join('/')} is on the kernel's ${dir.startsWith('/proc') ? 'proc' : 'sysfs'} file system, not on a disk`))
  }
})

t.test('a file in the way is refused; missing levels are created one by one', async (t) => {
  const root = t.testdir({ file: 'x' })
  t.throws(() => prepareDataDir(join(root, 'file'), 'charts'), { name: 'DataDirError', message: /DATA_DIR=.*file cannot be used: .*not a directory/ })
  const deep = join(root, 'a', 'b', 'c')
  t.equal(prepareDataDir(deep, 'charts'), deep)
  t.ok(existsSync(join(deep, 'charts')))
  t.equal(prepareDataDir(deep, 'charts'), deep, 'idempotent')
})

t.test('temporary files are swept at start and only those', async (t) => {
  const dataDir = t.testdir({ charts: { 'req_1_aa.png.123.tmp': 'half', 'req_2_bb.png': 'whole' }, 'x.tmp': '' })
  const store = openHistoryStore({ dataDir, maxRows: 100, maxAgeDays: 30, log: silentLogger })
  t.teardown(() => { store.close() })
  t.notOk(existsSync(join(dataDir, 'charts', 'req_1_aa.png.123.tmp')))
  t.notOk(existsSync(join(dataDir, 'x.tmp')))
  t.ok(existsSync(join(dataDir, 'charts', 'req_2_bb.png')))
  t.equal(sweepTemporaryFiles(join(dataDir, 'missing')), 0, 'a missing directory is not an error')
})

t.test('the probe writes for real and reports free space; a minimum above it means "full"', async (t) => {
  const dir = t.testdir()
  const ok = probeDataDir(dir, 0)
  t.equal(ok.ok, true)
  t.ok((ok.freeBytes ?? 0) > 0)
  t.same(probeFilesLeft(dir), [], 'the probe file is gone')
  const full = probeDataDir(dir, Number.MAX_SAFE_INTEGER)
  t.equal(full.ok, false)
  t.match(full.problem, /the server's disk is full \(\d+ KiB free in DATA_DIR/)
})

t.test('storage errors are named plainly; other errors are not storage', async (t) => {
  t.equal(describeStorageError({ code: 'ENOSPC' }), 'the server\'s disk is full')
  t.equal(describeStorageError({ code: 'SQLITE_FULL' }), 'the server\'s disk is full')
  t.equal(describeStorageError({ code: 'EROFS' }), 'the server\'s data directory is read-only')
  t.equal(describeStorageError({ code: 'SQLITE_IOERR_WRITE' }), 'the server\'s disk failed to read or write')
  t.equal(describeStorageError(new Error('boom')), null)
  t.equal(describeStorageError(null), null)
})

function probeFilesLeft (dir: string): string[] {
  writeFileSync(join(dir, 'keep'), '')
  return ['.write-probe'].filter((prefix) => existsSync(join(dir, `${prefix}-${process.pid}.tmp`)))
}
