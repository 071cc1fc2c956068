/**
 * User market data: every `EXCHANGE_TICKER.csv` in MARKET_DATA_DIR, picked up, re-read and dropped without a restart.
 *
 * Change detection combines three signals because none is reliable alone:
 * - the directory's mtime changes synchronously on create, delete and rename (how most editors save), so a file
 *   written just before a call is seen by that call;
 * - `fs.watch` reports in-place edits, which leave the directory's mtime alone, within milliseconds;
 * - fs.watch is silent on some mounts (Docker Desktop bind mounts, NFS, SMB), so a full re-stat also runs when the
 *   last one is more than RESCAN_MS old. A re-stat is one readdir plus one stat per file; a file is parsed again
 *   only when its mtime or size changed or the watcher named it.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { Interval } from '../chart/request.js'
import type { Bar, Series } from './types.js'
import { parseMarketCsv } from './csv.js'

export const MAX_FILE_BYTES = 50 * 1024 * 1024
const RESCAN_MS = 1000

export interface UserSymbol {
  symbol: string
  fileName: string
  interval: Interval
  fields: Series['fields']
  bars: Bar[]
  /** Content hash: changes exactly when the data does. */
  version: string
}

interface FileState {
  mtimeMs: number
  size: number
  symbol?: UserSymbol
  problem?: string
}

const EXCHANGE = /^[A-Z0-9_.!-]{1,40}$/
const TICKER = /^[A-Z0-9.!-]{1,40}$/

/**
 * `CME_MINI_ES1!.csv` → `CME_MINI:ES1!`. The split is at the LAST underscore: exchanges may contain underscores
 * (CME_MINI), tickers in practice do not.
 */
export function symbolFromFileName (fileName: string): string | undefined {
  const stem = fileName.replace(/\.csv$/i, '').toUpperCase()
  const cut = stem.lastIndexOf('_')
  if (cut <= 0) return undefined
  const exchange = stem.slice(0, cut)
  const ticker = stem.slice(cut + 1)
  return EXCHANGE.test(exchange) && TICKER.test(ticker) ? `${exchange}:${ticker}` : undefined
}

export class UserDataDirectory {
  private readonly files = new Map<string, FileState>()
  private bySymbol = new Map<string, UserSymbol>()
  private duplicateProblems: string[] = []
  private directoryProblem: string | undefined
  private watcher: FSWatcher | undefined
  private watchFailed = false
  private dirty = true
  private readonly forced = new Set<string>()
  private lastDirMtime = Number.NaN
  private lastScan = 0
  private closed = false
  private changes = 0

  constructor (private readonly dir: string, private readonly log: Logger) {}

  /** Brings the view up to date if anything may have changed; cheap (one stat) when nothing did. Never throws. */
  refresh (): void {
    if (this.closed) return
    let mtimeMs: number
    try {
      const stat = statSync(this.dir)
      if (!stat.isDirectory()) throw new Error('not a directory')
      mtimeMs = stat.mtimeMs
    } catch (error) {
      this.setDirectoryProblem(`MARKET_DATA_DIR ${this.dir} is not a readable directory (${(error as Error).message}); no user symbols`)
      return
    }
    if (this.directoryProblem !== undefined) {
      this.log.info({ dir: this.dir }, 'market data directory is available again')
      this.directoryProblem = undefined
      this.dirty = true
      this.changes++
    }
    this.ensureWatcher()
    const now = Date.now()
    if (!this.dirty && mtimeMs === this.lastDirMtime && now - this.lastScan < RESCAN_MS) return
    this.dirty = false
    this.lastDirMtime = mtimeMs
    this.lastScan = now
    this.scan()
  }

  /** Increments whenever the set of symbols, their data or the problems change. */
  get generation (): number {
    return this.changes
  }

  symbols (): ReadonlyMap<string, UserSymbol> {
    return this.bySymbol
  }

  problems (): string[] {
    const out: string[] = []
    if (this.directoryProblem !== undefined) out.push(this.directoryProblem)
    for (const state of this.files.values()) if (state.problem !== undefined) out.push(state.problem)
    return [...out, ...this.duplicateProblems]
  }

  /** True while a directory watcher is open (for diagnostics and tests). */
  get watching (): boolean {
    return this.watcher !== undefined
  }

  /** Stops the watcher; idempotent. */
  close (): void {
    this.closed = true
    this.watcher?.close()
    this.watcher = undefined
  }

  private setDirectoryProblem (problem: string): void {
    if (this.directoryProblem === undefined) {
      this.log.warn({ dir: this.dir }, problem)
      this.changes++
    }
    this.directoryProblem = problem
    this.watcher?.close()
    this.watcher = undefined
    this.watchFailed = false
    this.files.clear()
    this.bySymbol = new Map()
    this.duplicateProblems = []
    this.lastDirMtime = Number.NaN
  }

  private ensureWatcher (): void {
    if (this.watcher !== undefined || this.watchFailed) return
    try {
      // persistent: false — the watcher alone never keeps the process alive.
      const watcher = watch(this.dir, { persistent: false }, (_event, fileName) => {
        this.dirty = true
        if (typeof fileName === 'string') this.forced.add(fileName)
      })
      watcher.on('error', (error) => {
        this.log.warn({ dir: this.dir, err: error }, 'market data directory watcher failed; falling back to periodic re-scans')
        watcher.close()
        if (this.watcher === watcher) this.watcher = undefined
        this.watchFailed = true // no retry loop; the periodic re-scan still sees every change
        this.dirty = true
      })
      this.watcher = watcher
    } catch (error) {
      this.watchFailed = true
      this.log.warn({ dir: this.dir, err: error }, 'cannot watch the market data directory; changes are seen by periodic re-scans')
    }
  }

  private scan (): void {
    let names: string[]
    try {
      names = readdirSync(this.dir)
    } catch (error) {
      this.setDirectoryProblem(`MARKET_DATA_DIR ${this.dir} cannot be listed (${(error as Error).message})`)
      return
    }
    const forced = new Set(this.forced)
    this.forced.clear()
    const seen = new Set<string>()
    for (const name of names.filter((n) => /\.csv$/i.test(n) && !n.startsWith('.')).sort()) {
      let stat
      try {
        stat = statSync(join(this.dir, name))
      } catch {
        continue // deleted between readdir and stat
      }
      if (!stat.isFile()) continue
      seen.add(name)
      const previous = this.files.get(name)
      if (previous !== undefined && previous.mtimeMs === stat.mtimeMs && previous.size === stat.size && !forced.has(name)) continue
      const state = this.load(name, stat.mtimeMs, stat.size)
      if (previous?.symbol?.version === state.symbol?.version && previous?.problem === state.problem) {
        this.files.set(name, { ...state, symbol: previous?.symbol ?? state.symbol })
        continue
      }
      this.files.set(name, state)
      this.changes++
      if (state.problem !== undefined) this.log.warn({ file: name }, state.problem)
      else this.log.info({ file: name, symbol: state.symbol?.symbol, bars: state.symbol?.bars.length }, 'loaded market data file')
    }
    for (const name of [...this.files.keys()]) {
      if (!seen.has(name)) {
        this.files.delete(name)
        this.changes++
        this.log.info({ file: name }, 'market data file removed')
      }
    }
    const bySymbol = new Map<string, UserSymbol>()
    const duplicates: string[] = []
    for (const [name, state] of this.files) {
      if (state.symbol === undefined) continue
      const other = bySymbol.get(state.symbol.symbol)
      if (other !== undefined) {
        duplicates.push(`${name}: ${state.symbol.symbol} is already defined by ${other.fileName}; ignored`)
        continue
      }
      bySymbol.set(state.symbol.symbol, state.symbol)
    }
    this.bySymbol = bySymbol
    this.duplicateProblems = duplicates
  }

  private load (fileName: string, mtimeMs: number, size: number): FileState {
    const symbol = symbolFromFileName(fileName)
    if (symbol === undefined) {
      return { mtimeMs, size, problem: `${fileName}: file name must be EXCHANGE_TICKER.csv (e.g. NASDAQ_TSLA.csv for NASDAQ:TSLA)` }
    }
    if (size > MAX_FILE_BYTES) {
      return { mtimeMs, size, problem: `${fileName}: ${(size / 1048576).toFixed(1)} MB is over the ${MAX_FILE_BYTES / 1048576} MB limit for a market data file; keep fewer rows or use a coarser interval` }
    }
    let text: string
    try {
      text = readFileSync(join(this.dir, fileName), 'utf8')
    } catch (error) {
      return { mtimeMs, size, problem: `${fileName}: cannot be read (${(error as Error).message})` }
    }
    const parsed = parseMarketCsv(text, fileName)
    if (!parsed.ok) return { mtimeMs, size, problem: parsed.problem }
    const version = createHash('sha256').update(text).digest('hex').slice(0, 16)
    return { mtimeMs, size, symbol: { symbol, fileName, interval: parsed.interval, fields: parsed.fields, bars: parsed.bars, version } }
  }
}
