/**
 * Disk failures on a real (small tmpfs) file system: full mid-run, read-only mid-run, read-only at start. Health
 * says so with the reason, chart calls fail with a message a model can act on, no temporary file is left, and the
 * server recovers when space (or write access) returns. Skipped, with the reason, where tmpfs cannot be mounted.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { callTool, startApp } from './support/app.js'
import { mountSmallDisk, smallDiskAvailable, type SmallDisk } from './support/small-disk.js'
import { waitFor } from './sse/wait.js'

const unavailable = smallDiskAvailable()
const chart = { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', range: 'ALL', width: 800, height: 600 }
const STORAGE_MESSAGE = /not your request's fault/

async function health (url: string): Promise<{ status: string, reasons: string[] }> {
  return await (await fetch(`${url}/mcp/health`)).json() as { status: string, reasons: string[] }
}

function temporaryFiles (dir: string): string[] {
  return [...readdirSync(dir), ...readdirSync(join(dir, 'charts'))].filter((name) => name.endsWith('.tmp'))
}

function disk (t: Test, sizeKiB: number): SmallDisk {
  const mounted = mountSmallDisk(sizeKiB)
  t.teardown(() => { mounted.unmount() })
  return mounted
}

t.test('full disk mid-run: degraded health, a plain tool error, no stray files, recovery', { skip: unavailable ?? false }, async (t) => {
  const small = disk(t, 8192)
  const { url, app } = await startApp(t, { DATA_DIR: small.dir, DATA_DIR_MIN_FREE_BYTES: 256 * 1024, RENDER_CACHE_ENTRIES: 0 })
  t.equal((await health(url)).status, 'ok')
  t.notOk((await callTool(url, 'generate_chart', chart)).body.result.isError, 'a chart is made while there is room')

  small.fill()
  const degraded = await waitFor('health to report the full disk', async () => {
    const report = await health(url)
    return report.status === 'degraded' ? report : undefined
  }, 60_000)
  t.match(degraded.reasons.join(' '), /History store: the server's disk is full/)

  const failed = await callTool(url, 'generate_chart', { ...chart, width: 900 })
  t.equal(failed.body.result.isError, true)
  t.match(failed.body.result.content[0].text, STORAGE_MESSAGE)
  t.match(failed.body.result.content[0].text, /disk is full/)
  t.same(temporaryFiles(small.dir), [], 'no half-written image left behind')

  small.free()
  await waitFor('health to recover', async () => (await health(url)).status === 'ok' ? true : undefined, 60_000)
  t.notOk((await callTool(url, 'generate_chart', { ...chart, width: 1000 })).body.result.isError, 'charts work again')
  t.ok((await app.core.history.recent(10, null)).length >= 2)
})

t.test('read-only mid-run: degraded health naming it, a plain tool error, recovery', { skip: unavailable ?? false }, async (t) => {
  const small = disk(t, 8192)
  const { url } = await startApp(t, { DATA_DIR: small.dir, DATA_DIR_MIN_FREE_BYTES: 0, RENDER_CACHE_ENTRIES: 0 })
  t.notOk((await callTool(url, 'generate_chart', chart)).body.result.isError)
  small.readOnlyDir('charts', true)
  const degraded = await waitFor('health to report read-only', async () => {
    const report = await health(url)
    return report.status === 'degraded' ? report : undefined
  }, 60_000)
  t.match(degraded.reasons.join(' '), /read-only/)
  const failed = await callTool(url, 'generate_chart', { ...chart, width: 900 })
  t.equal(failed.body.result.isError, true)
  t.match(failed.body.result.content[0].text, STORAGE_MESSAGE)
  t.match(failed.body.result.content[0].text, /read-only/)
  t.same(temporaryFiles(small.dir), [])
  t.notMatch(failed.body.result.content[0].text, /try a simpler chart/, 'not the generic internal error')
  small.readOnlyDir('charts', false)
  await waitFor('health to recover', async () => (await health(url)).status === 'ok' ? true : undefined, 60_000)
  t.notOk((await callTool(url, 'generate_chart', { ...chart, width: 1000 })).body.result.isError)
})

t.test('read-only at start: the server starts, health says why, tool errors say it too', { skip: unavailable ?? false }, async (t) => {
  const small = disk(t, 1024)
  small.readOnly(true)
  const { url } = await startApp(t, { DATA_DIR: small.dir, DATA_DIR_MIN_FREE_BYTES: 0 })
  const report = await health(url)
  t.equal(report.status, 'degraded')
  t.match(report.reasons.join(' '), /read-only/)
  const failed = await callTool(url, 'generate_chart', chart)
  t.equal(failed.body.result.isError, true)
  t.match(failed.body.result.content[0].text, STORAGE_MESSAGE)
})
