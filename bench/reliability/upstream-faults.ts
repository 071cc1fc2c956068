/**
 * Scenario 6, upstream faults: the real app on the Chart-IMG engine against the fake Chart-IMG
 * (test/support/fake-chart-img.ts), each fault scripted for every attempt of one `generate_chart` call over the
 * JSON-RPC route. Each must give a clear `isError` (no internal-error text, no stack trace), a bounded number of
 * upstream attempts (CHART_IMG_MAX_ATTEMPTS), and the process RSS must stay bounded (an oversized body is cut off).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { startFakeChartImg, type ScriptedReply } from '../../test/support/fake-chart-img.js'
import { BOUNDED, Report, hasStackTrace, mb } from './report.js'

const MAX_ATTEMPTS = 3
const CAP_BYTES = 4 * 1024 * 1024
const OVERSIZED_BYTES = BOUNDED ? 64 * 1024 * 1024 : 256 * 1024 * 1024

interface Fault {
  name: string
  reply: ScriptedReply
  /** Upstream attempts expected: 1 for answers that never change on retry, MAX_ATTEMPTS for retried ones. */
  attempts: number
  message: RegExp
}

const png = (): Buffer => Buffer.alloc(0)
const FAULTS: Fault[] = [
  { name: '403 plan limit', reply: { kind: 'status', status: 403, message: 'Exceed Max Usage Resolution Limit (800x600)' }, attempts: 1, message: /Resolution Limit/ },
  { name: '422 invalid symbol', reply: { kind: 'status', status: 422, message: 'Invalid Symbol' }, attempts: 1, message: /Invalid Symbol/ },
  { name: '429 without Retry-After', reply: { kind: 'status', status: 429, message: 'Limit Exceeded' }, attempts: MAX_ATTEMPTS, message: /429|rate|limit/i },
  { name: '429 Retry-After: 1', reply: { kind: 'status', status: 429, message: 'Limit Exceeded', headers: { 'retry-after': '1' } }, attempts: MAX_ATTEMPTS, message: /429|rate|limit/i },
  { name: '429 Retry-After: 3600 (beyond the longest wait)', reply: { kind: 'status', status: 429, message: 'Limit Exceeded', headers: { 'retry-after': '3600' } }, attempts: 1, message: /429|rate|limit/i },
  { name: '500', reply: { kind: 'status', status: 500 }, attempts: MAX_ATTEMPTS, message: /500/ },
  { name: '502', reply: { kind: 'status', status: 502, message: 'Bad Gateway' }, attempts: MAX_ATTEMPTS, message: /502/ },
  { name: '503', reply: { kind: 'status', status: 503, message: 'Service Unavailable' }, attempts: MAX_ATTEMPTS, message: /503/ },
  { name: '504', reply: { kind: 'status', status: 504 }, attempts: MAX_ATTEMPTS, message: /504/ },
  { name: 'hang (no answer)', reply: { kind: 'hang' }, attempts: 1, message: /did not answer within/ },
  { name: 'connection reset', reply: { kind: 'reset' }, attempts: MAX_ATTEMPTS, message: /Could not reach Chart-IMG/ },
  { name: 'truncated body', reply: { kind: 'truncated', contentType: 'image/png', body: Buffer.alloc(1000, 1), declaredBytes: 100_000 }, attempts: MAX_ATTEMPTS, message: /Could not reach Chart-IMG|Chart-IMG/ },
  { name: `oversized body (${mb(OVERSIZED_BYTES)} MiB, cap ${mb(CAP_BYTES)} MiB)`, reply: { kind: 'stream', contentType: 'image/png', chunk: Buffer.alloc(1024 * 1024, 7), count: OVERSIZED_BYTES / (1024 * 1024) }, attempts: 1, message: /larger than 4 MiB/ },
  { name: 'wrong content type (200 text/html)', reply: { kind: 'raw', contentType: 'text/html', body: '<html><title>Maintenance</title></html>' }, attempts: 1, message: /text\/html instead of an image/ },
  { name: '200 image/png that is not a PNG', reply: { kind: 'raw', contentType: 'image/png', body: png() }, attempts: 1, message: /not a PNG/ }
]

async function main (): Promise<void> {
  const report = new Report('6. Upstream faults (fake Chart-IMG)')
  const fake = await startFakeChartImg()
  const dataDir = await mkdtemp(join(tmpdir(), 'reliability-upstream-'))
  const config = testConfig({
    PORT: 0,
    DATA_DIR: dataDir,
    CHART_IMG_API_KEY: fake.apiKey,
    CHART_IMG_BASE_URL: fake.url,
    CHART_IMG_PLAN: 'ULTRA',
    CHART_IMG_MAX_ATTEMPTS: MAX_ATTEMPTS,
    // A hang costs one timeout per attempt; 1 s keeps the scenario short (timeouts are not retried: a slow upstream
    // would only be slower again).
    CHART_IMG_TIMEOUT_MS: 1000,
    CHART_IMG_MAX_RESPONSE_BYTES: CAP_BYTES
  })
  const app = await buildApp(config, { logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const rssStart = process.memoryUsage.rss()
  let rssPeak = rssStart
  const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage.rss()) }, 20)
  try {
    for (const fault of FAULTS) {
      // One scripted reply per expected attempt, plus one: an attempt too many would take it and be counted.
      fake.script(...Array.from({ length: fault.attempts + 1 }, () => fault.reply))
      const before = fake.requests.length
      const started = performance.now()
      const response = await fetch(`${url}/mcp/tools/call`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL', interval: '1D', width: 800, height: 600 } } })
      })
      const text = await response.text()
      const ms = performance.now() - started
      const attempts = fake.requests.length - before
      // Leftover scripted replies must not leak into the next fault.
      fake.unscript()
      let body: { result?: { isError?: boolean, content?: Array<{ text?: string }> } } = {}
      try { body = JSON.parse(text) } catch { /* reported below */ }
      const message = body.result?.content?.[0]?.text ?? ''
      report.check(`${fault.name}: HTTP 200 with isError`, response.status === 200 && body.result?.isError === true, `HTTP ${response.status}`)
      report.check(`${fault.name}: clear message`, fault.message.test(message) && !/internal error/.test(message), message.slice(0, 160))
      report.check(`${fault.name}: attempts bounded (${attempts} of at most ${MAX_ATTEMPTS})`, attempts === fault.attempts, `expected ${fault.attempts}`)
      report.check(`${fault.name}: no stack trace`, !hasStackTrace(text))
      report.figure(`${fault.name}: attempts, time`, `${attempts}, ${(ms / 1000).toFixed(1)} s`)
    }
  } finally {
    clearInterval(sampler)
    await app.close()
    await fake.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  const growth = rssPeak - rssStart
  report.figure('RSS at start, peak (MB)', `${mb(rssStart)}, ${mb(rssPeak)}`)
  // A fixed bound, whatever was offered: an uncapped client grew by the body size (+121–203 MB per 64 MiB call).
  report.check(`RSS bounded: peak growth ${mb(growth)} MB (< 96 MB) while ${mb(OVERSIZED_BYTES)} MiB was offered`, growth < 96 * 1024 * 1024)
  report.finish()
}

await main()
