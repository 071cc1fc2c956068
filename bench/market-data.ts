/**
 * Provider-backed chart latency: BINANCE:BTCUSDT 1h 5D through the embedded engine with a cold market-data cache
 * (every bar fetched from the fake provider, which answers after a configurable delay) against a warm one (the same
 * chart again: bars from SQLite, no provider call), in the same run. The render cache is off, so both draw.
 * Each round uses a fresh engine and cache file; the engine's worker warm-up is not timed.
 *
 *   npx tsx bench/market-data.ts [rounds=10] [providerDelayMs=80]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { generateChartInput, normalizeChartRequest } from '../src/chart/request.js'
import { createLocalEngine } from '../src/engines/local/local-engine.js'
import { providersAt, startFakeProviders } from '../test/market/providers/fake-providers.js'

const rounds = Number(process.argv[2] ?? 10)
const delayMs = Number(process.argv[3] ?? 80)
const NOW = Date.UTC(2026, 10, 27, 15, 20)
const request = normalizeChartRequest(generateChartInput.parse({ symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D', studies: [{ name: 'Volume' }] }), { storage: false })

const fake = await startFakeProviders(() => NOW)
fake.delayMs = delayMs
const dir = mkdtempSync(join(tmpdir(), 'bench-market-'))
const cold: number[] = []
const warm: number[] = []
let coldCalls = 0
let warmCalls = 0

try {
  for (let round = 0; round < rounds; round++) {
    const engine = createLocalEngine({
      workers: 1, queueLimit: 8, cacheEntries: 0, providers: providersAt(fake.url), marketCacheFile: join(dir, `cache-${round}.sqlite`), now: () => NOW, log: pino({ level: 'warn' })
    })
    try {
      if (!(await engine.status()).ready) throw new Error('engine not ready')
      for (const [samples, count] of [[cold, 'cold'], [warm, 'warm']] as const) {
        const calls = fake.calls.length
        const started = performance.now()
        await engine.render(request, { signal: AbortSignal.timeout(60_000), onStage: () => {} })
        samples.push(performance.now() - started)
        if (count === 'cold') coldCalls += fake.calls.length - calls
        else warmCalls += fake.calls.length - calls
      }
    } finally {
      await engine.close()
    }
  }
} finally {
  await fake.close()
  rmSync(dir, { recursive: true, force: true })
}

const stats = (xs: number[]): { p50: number, max: number, mean: number } => {
  const sorted = [...xs].sort((a, b) => a - b)
  return { p50: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], mean: xs.reduce((a, b) => a + b, 0) / xs.length }
}
const c = stats(cold)
const w = stats(warm)
const f = (n: number): string => n.toFixed(1)
console.log(`BINANCE:BTCUSDT 1h 5D + Volume, 800×600 PNG, fake provider delay ${delayMs} ms, ${rounds} rounds`)
console.log('| cache | provider calls per chart | p50 ms | max ms | mean ms |')
console.log('|---|---:|---:|---:|---:|')
console.log(`| warm (baseline) | ${warmCalls / rounds} | ${f(w.p50)} | ${f(w.max)} | ${f(w.mean)} |`)
console.log(`| cold | ${coldCalls / rounds} | ${f(c.p50)} | ${f(c.max)} | ${f(c.mean)} |`)
console.log(`cold/warm p50: ${(c.p50 / w.p50).toFixed(2)}×`)
