/**
 * Child of bench/render-cores.ts: the local engine with the default pool size (one worker per core this process may
 * use, as RENDER_WORKERS defaults to), 48 concurrent uncached 800×600 renders after a warm-up. Prints JSON.
 */
import { availableParallelism } from 'node:os'
import { pino } from 'pino'
import { createLocalEngine } from '../../src/engines/local/local-engine.js'
import { generateChartInput, normalizeChartRequest } from '../../src/chart/request.js'

const JOBS = 48
const log = pino({ level: 'silent' })
const workers = availableParallelism()
const engine = createLocalEngine({ workers, queueLimit: 1000, cacheEntries: 0, log })
const request = (i: number) => normalizeChartRequest(generateChartInput.parse({
  symbol: 'SP:SPX', width: 800, height: 600 + (i % 8), studies: [{ name: 'Volume' }, { name: 'Moving Average', input: { length: 20 } }]
}), { storage: false })
const context = { signal: new AbortController().signal, onStage: () => {} }

await engine.status()
await Promise.all(Array.from({ length: workers * 4 }, async (_, i) => await engine.render(request(i), context)))
const start = performance.now()
await Promise.all(Array.from({ length: JOBS }, async (_, i) => await engine.render(request(i), context)))
const seconds = (performance.now() - start) / 1000
await engine.close()
process.stdout.write(JSON.stringify({ cores: workers, workers, chartsPerSecond: JOBS / seconds }) + '\n')
