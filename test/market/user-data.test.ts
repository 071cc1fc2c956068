import t, { type Test } from 'tap'
import { mock } from 'node:test'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createMarketCatalog, type MarketCatalog } from '../../src/market/catalog.js'
import { UserDataDirectory } from '../../src/market/user-data.js'
import { captureLogger, silentLogger } from '../support/logger.js'

const fixture = (name: string): string => new URL(`../fixtures/market/${name}`, import.meta.url).pathname

function tempDir (t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'market-data-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function open (t: Test, dir: string, log = silentLogger): MarketCatalog {
  const catalog = createMarketCatalog({ marketDataDir: dir, log })
  t.teardown(() => catalog.close())
  return catalog
}

/** Polls until `check` holds: an in-place edit is seen once fs.watch reports it (or the 1 s re-scan runs). */
async function eventually (check: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await sleep(20)
  }
  return check()
}

const symbols = (catalog: MarketCatalog): string[] => catalog.listSymbols({ limit: 1000 }).symbols.map((s) => s.symbol)

t.test('a file written after start appears without a restart, with its own info and data', async (t) => {
  const dir = tempDir(t)
  const catalog = open(t, dir)
  t.notOk(symbols(catalog).includes('MYEX:GOOD'))
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_GOOD.csv'))
  const info = catalog.listSymbols({ exchange: 'myex' })
  t.equal(info.total, 1, 'seen on the very next call (the directory mtime changed)')
  t.match(info.symbols[0], { symbol: 'MYEX:GOOD', exchange: 'MYEX', ticker: 'GOOD', intervals: ['1D', '1W', '1M'], from: '2024-01-01', to: '2024-02-02', fields: 'ohlcv', source: 'MYEX_GOOD.csv' })
  t.equal(catalog.getSeries('MYEX:GOOD', '1W').bars.length, 3)
  t.equal(catalog.getSeries('myex:good', '1D').bars.length, 10)
  t.throws(() => catalog.getSeries('MYEX:GOOD', '1h'), { code: 'UNSUPPORTED_INTERVAL', message: 'MYEX:GOOD has daily data; use 1D, 1W or 1M' })
})

t.test('an edited file changes dataVersion and data; identical content keeps the version', async (t) => {
  const dir = tempDir(t)
  const file = join(dir, 'MYEX_EDIT.csv')
  copyFileSync(fixture('TEST_DAILY.csv'), file)
  const catalog = open(t, dir)
  const before = catalog.dataVersion('MYEX:EDIT')
  const series = catalog.getSeries('MYEX:EDIT', '1D')
  t.equal(series.bars.length, 10)
  writeFileSync(file, readFileSync(file, 'utf8') + '2024-02-05,14.1,14.5,13.9,14.4,500\n') // in place: directory mtime unchanged
  t.ok(await eventually(() => catalog.dataVersion('MYEX:EDIT') !== before), 'version changes')
  const after = catalog.getSeries('MYEX:EDIT', '1D')
  t.equal(after.bars.length, 11)
  t.equal(after.bars[10].close, 14.4)
  t.equal(series.bars.length, 10, 'a series handed out earlier is not mutated')
  const version = catalog.dataVersion('MYEX:EDIT')
  writeFileSync(file, readFileSync(file, 'utf8')) // touched, same content
  // Past the periodic re-scan on a fake clock (the re-scan is due by Date.now at the next call), so it surely ran.
  mock.timers.enable({ apis: ['Date'], now: Date.now() })
  t.teardown(() => { mock.timers.reset() })
  mock.timers.tick(1100)
  t.equal(catalog.dataVersion('MYEX:EDIT'), version, 'content hash: same data, same version')
})

t.test('a malformed file is reported by name and line; the others keep working; fixing it brings it in', async (t) => {
  const dir = tempDir(t)
  const { log, lines } = captureLogger('info')
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_GOOD.csv'))
  copyFileSync(fixture('BAD_HIGHLOW.csv'), join(dir, 'MYEX_BAD.csv'))
  const catalog = open(t, dir, log)
  const listing = catalog.listSymbols({})
  t.same(listing.problems, ['MYEX_BAD.csv line 4: high (11) is below low (13)'])
  t.ok(symbols(catalog).includes('MYEX:GOOD'))
  t.notOk(symbols(catalog).includes('MYEX:BAD'))
  t.equal(catalog.getSeries('MYEX:GOOD', '1D').bars.length, 10)
  t.throws(() => catalog.getSeries('MYEX:BAD', '1D'), { code: 'UNKNOWN_SYMBOL' })
  const warning = lines().map((l) => JSON.parse(l) as { level: number, msg: string, file?: string }).find((l) => l.level === 40)
  t.match(warning, { file: 'MYEX_BAD.csv', msg: 'MYEX_BAD.csv line 4: high (11) is below low (13)' }, 'logged as a warning')

  copyFileSync(fixture('TEST_CLOSEONLY.csv'), join(dir, 'MYEX_BAD.csv'))
  t.ok(await eventually(() => catalog.listSymbols({}).problems.length === 0), 'fixed file: problem gone')
  t.match(catalog.listSymbols({ query: 'myex:bad' }).symbols[0], { symbol: 'MYEX:BAD', fields: 'close' })
})

t.test('a deleted file disappears', async (t) => {
  const dir = tempDir(t)
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_GONE.csv'))
  const catalog = open(t, dir)
  t.ok(symbols(catalog).includes('MYEX:GONE'))
  unlinkSync(join(dir, 'MYEX_GONE.csv'))
  t.notOk(symbols(catalog).includes('MYEX:GONE'))
  t.throws(() => catalog.getSeries('MYEX:GONE', '1D'), { code: 'UNKNOWN_SYMBOL' })
})

t.test('oversized, badly named and duplicate files are problems, not crashes', async (t) => {
  const dir = tempDir(t)
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_BIG.csv'))
  truncateSync(join(dir, 'MYEX_BIG.csv'), 51 * 1024 * 1024) // sparse: cheap to create
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'NOEXCHANGE.csv'))
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_DUP.csv'))
  copyFileSync(fixture('TEST_CLOSEONLY.csv'), join(dir, 'myex_dup.csv'))
  writeFileSync(join(dir, 'notes.txt'), 'not market data')
  const catalog = open(t, dir)
  t.same(catalog.listSymbols({}).problems.sort(), [
    'MYEX_BIG.csv: 51.0 MB is over the 50 MB limit for a market data file; keep fewer rows or use a coarser interval',
    'NOEXCHANGE.csv: file name must be EXCHANGE_TICKER.csv (e.g. NASDAQ_TSLA.csv for NASDAQ:TSLA)',
    'myex_dup.csv: MYEX:DUP is already defined by MYEX_DUP.csv; ignored'
  ])
  t.match(catalog.listSymbols({ exchange: 'MYEX' }).symbols, [{ symbol: 'MYEX:DUP', source: 'MYEX_DUP.csv' }])
})

t.test('a user file replaces a bundled symbol; many symbols give the closest matches', async (t) => {
  const dir = tempDir(t)
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'SP_SPX.csv'))
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_GOOD.csv'))
  for (let i = 0; i < 10; i++) copyFileSync(fixture('TEST_CLOSEONLY.csv'), join(dir, `OTHER_T${i}.csv`))
  const catalog = open(t, dir)
  t.match(catalog.listSymbols({ query: 'SP:SPX' }).symbols[0], { source: 'SP_SPX.csv', from: '2024-01-01' })
  t.equal(catalog.getSeries('SP:SPX', '1D').bars.length, 10)
  t.throws(() => catalog.getSeries('MYEX:GOD', '1D'), {
    code: 'UNKNOWN_SYMBOL',
    message: /^Unknown symbol MYEX:GOD\. Did you mean "MYEX:GOOD"\? Closest known symbols: MYEX:GOOD, .* \(18 symbols in all/
  })
  t.throws(() => catalog.getSeries('NYSE:AAPL', '1D'), { message: /Did you mean "NASDAQ:AAPL"\? Closest known symbols: NASDAQ:AAPL,/ }, 'same ticker on another exchange first')
})

t.test('a missing directory is a problem until it is created', async (t) => {
  const parent = tempDir(t)
  const dir = join(parent, 'later')
  const catalog = open(t, dir)
  t.match(catalog.listSymbols({}).problems, [/MARKET_DATA_DIR .*later is not a readable directory/])
  t.equal(catalog.listSymbols({}).total, 7, 'bundled symbols still served')
  mkdirSync(dir)
  copyFileSync(fixture('TEST_DAILY.csv'), join(dir, 'MYEX_LATE.csv'))
  t.same(catalog.listSymbols({}).problems, [])
  t.ok(symbols(catalog).includes('MYEX:LATE'))
})

t.test('the watcher is opened on use and closed by close(), idempotently', async (t) => {
  const dir = tempDir(t)
  const directory = new UserDataDirectory(dir, silentLogger)
  directory.refresh()
  t.equal(directory.watching, true)
  directory.close()
  t.equal(directory.watching, false)
  directory.close()
  directory.refresh()
  t.equal(directory.watching, false, 'no watcher after close')
})
