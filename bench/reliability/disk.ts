/**
 * Scenario 7, disk: the real app with DATA_DIR on a small tmpfs (test/support/small-disk.ts; needs root and mount
 * rights), through three faults: read-only at start, read-only mid-run (a read-only bind mount over charts/: Linux
 * will not remount a file system read-only while SQLite holds a file open for writing), full mid-run. For each:
 * health says so with the reason, every chart call fails with the storage message (not an internal error), no
 * temporary file is left, and charts work again once the fault is gone.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { testConfig, type Config } from '../../src/config.js'
import { mountSmallDisk, smallDiskAvailable, type SmallDisk } from '../../test/support/small-disk.js'
import { BOUNDED, Report, hasStackTrace } from './report.js'

const CALLS = BOUNDED ? 20 : 200
const report = new Report('7. Disk: read-only at start, read-only mid-run, full mid-run')

async function start (dir: string, overrides: Partial<Config> = {}): Promise<{ app: FastifyInstance, url: string }> {
  const app = await buildApp(testConfig({ PORT: 0, DATA_DIR: dir, RENDER_WORKERS: 1, RENDER_CACHE_ENTRIES: 0, DATA_DIR_MIN_FREE_BYTES: 256 * 1024, ...overrides }), { logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` }
}

async function health (url: string): Promise<{ status: string, reasons?: string[] }> {
  return await (await fetch(`${url}/mcp/health`)).json() as { status: string, reasons?: string[] }
}

/** Polls health until `want` (the store probe is cached for 1 s); an outer bound of 60 s. */
async function healthBecomes (url: string, want: string): Promise<{ status: string, reasons?: string[] }> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const report = await health(url)
    if (report.status === want || Date.now() > deadline) return report
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** `count` chart calls (each a different chart, so no cache) over the JSON-RPC route; their messages. */
async function charts (url: string, count: number, offset: number): Promise<Array<{ isError: boolean, text: string, raw: string }>> {
  const out = []
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${url}/mcp/tools/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', range: 'ALL', width: 400 + offset + i, height: 300 } } })
    })
    const raw = await response.text()
    const body = JSON.parse(raw) as { result?: { isError?: boolean, content?: Array<{ text?: string }> } }
    out.push({ isError: body.result?.isError === true, text: body.result?.content?.[0]?.text ?? raw, raw })
  }
  return out
}

function strayFiles (dir: string): number {
  const names = [...readdirSync(dir), ...(() => { try { return readdirSync(join(dir, 'charts')) } catch { return [] } })()]
  return names.filter((name) => name.endsWith('.tmp')).length
}

function checkFailures (label: string, results: Array<{ isError: boolean, text: string, raw: string }>, reason: RegExp): void {
  const plain = results.filter((r) => r.isError && /not your request's fault/.test(r.text) && reason.test(r.text)).length
  report.check(`${label}: ${plain} of ${results.length} chart calls fail with the storage message`, plain === results.length, results.find((r) => !reason.test(r.text))?.text.slice(0, 160) ?? '')
  report.check(`${label}: no internal-error text, no stack trace`, results.every((r) => !/internal error/.test(r.text) && !hasStackTrace(r.raw)))
  report.figure(`${label}: chart calls, clear storage errors`, `${results.length}, ${plain}`)
}

async function readOnlyAtStart (disk: SmallDisk): Promise<void> {
  disk.readOnly(true)
  const { app, url } = await start(disk.dir)
  try {
    const h = await health(url)
    report.check('read-only at start: the server starts and health is degraded', h.status === 'degraded', JSON.stringify(h.reasons))
    report.check('read-only at start: health names it', /read-only/.test(h.reasons?.join(' ') ?? ''))
    report.figure('read-only at start: health', `${h.status}: ${h.reasons?.join('; ') ?? ''}`)
    checkFailures('read-only at start', await charts(url, CALLS, 0), /read-only/)
  } finally {
    await app.close()
    disk.readOnly(false)
  }
}

async function readOnlyMidRun (disk: SmallDisk): Promise<void> {
  const { app, url } = await start(disk.dir)
  try {
    report.check('read-only mid-run: charts work before', (await charts(url, 3, 300)).every((r) => !r.isError))
    disk.readOnlyDir('charts', true)
    const h = await healthBecomes(url, 'degraded')
    report.check('read-only mid-run: health degraded, naming read-only', h.status === 'degraded' && /read-only/.test(h.reasons?.join(' ') ?? ''), JSON.stringify(h.reasons))
    checkFailures('read-only mid-run', await charts(url, CALLS, 500), /read-only/)
    report.check('read-only mid-run: no temporary files', strayFiles(disk.dir) === 0)
    disk.readOnlyDir('charts', false)
    const back = await healthBecomes(url, 'ok')
    report.check('read-only mid-run: health ok again once writable', back.status === 'ok')
    report.check('read-only mid-run: charts work again', (await charts(url, 3, 900)).every((r) => !r.isError))
  } finally {
    await app.close()
  }
}

async function fullMidRun (disk: SmallDisk): Promise<void> {
  const { app, url } = await start(disk.dir)
  try {
    report.check('full mid-run: charts work before', (await charts(url, 3, 1000)).every((r) => !r.isError))
    disk.fill()
    const h = await healthBecomes(url, 'degraded')
    report.check('full mid-run: health degraded, naming a full disk', h.status === 'degraded' && /disk is full/.test(h.reasons?.join(' ') ?? ''), JSON.stringify(h.reasons))
    report.figure('full mid-run: health', `${h.status}: ${h.reasons?.join('; ') ?? ''}`)
    checkFailures('full mid-run', await charts(url, CALLS, 1100), /disk is full/)
    report.check('full mid-run: no temporary files', strayFiles(disk.dir) === 0, `${strayFiles(disk.dir)} left`)
    disk.free()
    const back = await healthBecomes(url, 'ok')
    report.check('full mid-run: health ok again once space returns', back.status === 'ok', JSON.stringify(back.reasons))
    report.check('full mid-run: charts work again', (await charts(url, 3, 1400)).every((r) => !r.isError))
  } finally {
    await app.close()
  }
}

async function main (): Promise<void> {
  const unavailable = smallDiskAvailable()
  if (unavailable !== null) {
    report.check(`small disk available (${unavailable})`, false)
    report.finish()
    return
  }
  for (const scenario of [readOnlyAtStart, readOnlyMidRun, fullMidRun]) {
    const disk = mountSmallDisk(8192)
    try {
      await scenario(disk)
    } finally {
      disk.unmount()
    }
  }
  report.finish()
}

await main()
