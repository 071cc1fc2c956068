/** Shared set-up for Chart-IMG engine tests: a fake upstream, a SQLite file, a captured pino log, recorded sleeps. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import type { Test } from 'tap'
import type { RenderStage } from '../../../src/chart/engine.js'
import type { ChartRequest } from '../../../src/chart/request.js'
import { createChartImgEngine, type ChartImgEngineOptions } from '../../../src/engines/chart-img/chart-img-engine.js'
import { createDailyUsage } from '../../../src/engines/chart-img/daily-usage.js'
import { openSqlite, type SqliteDatabase } from '../../../src/sqlite/database.js'
import { startFakeChartImg, type FakeChartImg, type FakeChartImgOptions } from '../../support/fake-chart-img.js'

export interface Harness {
  fake: FakeChartImg
  engine: ReturnType<typeof createChartImgEngine>
  /** Every delay the engine slept between retries. */
  sleeps: number[]
  /** Every log line the engine wrote (level trace and up), raw JSON text. */
  logs: string[]
  dbFile: string
  /** A second engine on the same SQLite file (as after a restart). */
  restart: (overrides?: Partial<ChartImgEngineOptions>) => ReturnType<typeof createChartImgEngine>
}

export function chartRequest (overrides: Partial<ChartRequest> = {}): ChartRequest {
  return {
    symbol: 'NASDAQ:AAPL',
    interval: '1D',
    style: 'candle',
    theme: 'light',
    width: 800,
    height: 600,
    timezone: 'Etc/UTC',
    format: 'png',
    studies: [],
    drawings: [],
    storage: false,
    ...overrides
  }
}

export function renderContext (signal: AbortSignal = new AbortController().signal): { signal: AbortSignal, onStage: (s: RenderStage) => void, stages: RenderStage[] } {
  const stages: RenderStage[] = []
  return { signal, stages, onStage: (s) => { stages.push(s) } }
}

export async function setup (t: Test, options: { fake?: FakeChartImgOptions, engine?: Partial<ChartImgEngineOptions> } = {}): Promise<Harness> {
  const fake = await startFakeChartImg(options.fake)
  // mkdtemp rather than t.testdir(): testdir paths are fixed per test name, so two runs of this file at once collide.
  const dir = mkdtempSync(join(tmpdir(), 'chart-img-test-'))
  const dbFile = join(dir, 'store.sqlite')
  const logs: string[] = []
  const sleeps: number[] = []
  const dbs: SqliteDatabase[] = []
  const engines: Array<ReturnType<typeof createChartImgEngine>> = []
  const log = pino({ level: 'trace' }, new Writable({
    write (chunk: Buffer, _encoding, callback) { logs.push(chunk.toString('utf8')); callback() }
  }))

  const make = (overrides: Partial<ChartImgEngineOptions> = {}): ReturnType<typeof createChartImgEngine> => {
    const db = openSqlite(dbFile)
    dbs.push(db)
    const engine = createChartImgEngine({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      plan: 'ULTRA',
      timeoutMs: 5000,
      maxAttempts: 3,
      symbolsTtlMs: 60_000,
      usage: createDailyUsage(db),
      log,
      sleep: async (ms, signal) => {
        sleeps.push(ms)
        if (signal.aborted) throw signal.reason
      },
      ...options.engine,
      ...overrides
    })
    engines.push(engine)
    return engine
  }

  const engine = make()
  t.teardown(async () => {
    for (const e of engines) await e.close()
    await fake.close()
    for (const db of dbs) db.close()
    rmSync(dir, { recursive: true, force: true })
  })
  return { fake, engine, sleeps, logs, dbFile, restart: make }
}

/** The ChartError code of a rejected promise (fails the test if it resolves). */
export async function rejectionOf (promise: Promise<unknown>): Promise<{ code: string, message: string, retryAfterSeconds?: number }> {
  try {
    await promise
  } catch (error) {
    const e = error as { code?: string, message: string, retryAfterSeconds?: number }
    return { code: e.code ?? 'NOT_A_CHART_ERROR', message: e.message, retryAfterSeconds: e.retryAfterSeconds }
  }
  throw new Error('expected the promise to reject')
}
