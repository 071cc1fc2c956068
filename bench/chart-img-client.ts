/**
 * Chart-IMG client overhead: the same render through the engine (plan checks, body builder, throttle bookkeeping,
 * SQLite daily count, retry wrapper, image checks) vs a bare `fetch` of the same body, against the fake upstream
 * in the same run. Calls are paced below the ENTERPRISE throttle so waiting is not measured; the throttle is then
 * measured on its own (a back-to-back burst vs its theoretical schedule).
 *
 *   npx tsx bench/chart-img-client.ts [iterations]
 */
import { setTimeout as delay } from 'node:timers/promises'
import { pino } from 'pino'
import type { RenderStage } from '../src/chart/engine.js'
import { generateChartInput, normalizeChartRequest, type ChartRequest } from '../src/chart/request.js'
import { createChartImgEngine } from '../src/engines/chart-img/chart-img-engine.js'
import { createDailyUsage } from '../src/engines/chart-img/daily-usage.js'
import { PLAN_LIMITS } from '../src/engines/chart-img/plan-limits.js'
import { buildAdvancedChartBody } from '../src/engines/chart-img/request-body.js'
import { openSqlite } from '../src/sqlite/database.js'
import { startFakeChartImg } from '../test/support/fake-chart-img.js'

const iterations = Number(process.argv[2] ?? 300)
const PACE_MS = 40 // 25 engine calls/s, below ENTERPRISE's throttled 31.5/s
const BURST_CALLS = 120

// Built as a generate_chart call builds it (schema defaults: 800×600, light, PNG, Etc/UTC).
const request: ChartRequest = normalizeChartRequest(generateChartInput.parse({
  symbol: 'NASDAQ:AAPL',
  studies: [{ name: 'Volume' }, { name: 'Relative Strength Index', input: { length: 14 } }]
}), { storage: false })

const fake = await startFakeChartImg({ plan: 'ENTERPRISE' })
const db = openSqlite(':memory:')
const makeEngine = (): ReturnType<typeof createChartImgEngine> => createChartImgEngine({
  apiKey: fake.apiKey,
  baseUrl: fake.url,
  plan: 'ENTERPRISE',
  timeoutMs: 10_000,
  maxAttempts: 3,
  symbolsTtlMs: 60_000,
  usage: createDailyUsage(db),
  log: pino({ level: 'silent' })
})

let queued = 0
const context = { signal: new AbortController().signal, onStage: (s: RenderStage) => { if (s.status === 'queued') queued++ } }
const bareBody = JSON.stringify(buildAdvancedChartBody(request))

async function viaClient (engine: ReturnType<typeof createChartImgEngine>): Promise<number> {
  const start = performance.now()
  const result = await engine.render(request, context)
  if (result.kind !== 'image') throw new Error('expected an image')
  return performance.now() - start
}

async function viaFetch (): Promise<number> {
  const start = performance.now()
  const response = await fetch(`${fake.url}/v2/tradingview/advanced-chart`, {
    method: 'POST',
    headers: { 'x-api-key': fake.apiKey, 'content-type': 'application/json' },
    body: bareBody
  })
  const data = Buffer.from(await response.arrayBuffer())
  if (response.status !== 200 || data.length === 0) throw new Error(`bare fetch failed: ${response.status}`)
  return performance.now() - start
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
const fmt = (ms: number): string => ms.toFixed(3)

const engine = makeEngine()
for (let i = 0; i < 30; i++) { await viaClient(engine); await viaFetch(); await delay(PACE_MS) }
queued = 0

const client: number[] = []
const bare: number[] = []
for (let i = 0; i < iterations; i++) {
  // Alternate which goes first so neither always meets a warm socket or a quiet event loop.
  if (i % 2 === 0) { client.push(await viaClient(engine)); bare.push(await viaFetch()) } else { bare.push(await viaFetch()); client.push(await viaClient(engine)) }
  await delay(PACE_MS)
}
const pacedQueued = queued
await engine.close()
client.sort((a, b) => a - b)
bare.sort((a, b) => a - b)

// Throttle on its own: a fresh engine, BURST_CALLS renders at once.
const burstEngine = makeEngine()
queued = 0
const burstStart = performance.now()
await Promise.all(Array.from({ length: BURST_CALLS }, async () => await burstEngine.render(request, context)))
const burstMs = performance.now() - burstStart
const burstQueued = queued
await burstEngine.close()
const limits = PLAN_LIMITS.ENTERPRISE
const expectedMs = (BURST_CALLS - limits.burst) / (limits.ratePerSecond * 0.9) * 1000

await fake.close()
db.close()

const row = (name: string, s: number[]): string =>
  `| ${name} | ${s.length} | ${fmt(quantile(s, 0.5))} | ${fmt(quantile(s, 0.99))} | ${fmt(s.reduce((a, b) => a + b, 0) / s.length)} |`
console.log(`# Chart-IMG client overhead (fake upstream on 127.0.0.1, 800x600 PNG, plan ENTERPRISE, Node ${process.version})\n`)
console.log('Command: `npx tsx bench/chart-img-client.ts ' + iterations + '`\n')
console.log('| path | calls | p50 ms | p99 ms | mean ms |')
console.log('|---|---|---|---|---|')
console.log(row('bare fetch (baseline)', bare))
console.log(row('chart-img engine', client))
console.log(`\nClient overhead per call: p50 +${fmt(quantile(client, 0.5) - quantile(bare, 0.5))} ms ` +
  `(ratio ${(quantile(client, 0.5) / quantile(bare, 0.5)).toFixed(2)}x), p99 +${fmt(quantile(client, 0.99) - quantile(bare, 0.99))} ms ` +
  `(ratio ${(quantile(client, 0.99) / quantile(bare, 0.99)).toFixed(2)}x). Calls that waited for the throttle while paced: ${pacedQueued}.`)
console.log('\n| throttle (ENTERPRISE: burst 50, 35 req/s × 0.9) | calls | queued | elapsed ms | schedule ms |')
console.log('|---|---|---|---|---|')
console.log(`| ${BURST_CALLS} renders at once | ${BURST_CALLS} | ${burstQueued} | ${burstMs.toFixed(0)} | ${expectedMs.toFixed(0)} |`)
