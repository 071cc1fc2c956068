/**
 * Embedded-engine render benchmark: latency and throughput of the local ChartEngine end to end (request → main-thread
 * preparation → worker → PNG), uncached and cached, at 800×600 and 1920×1080, for a candle chart with Volume and a
 * moving average and for a four-pane chart; and pool scaling, 2 workers against 1, measured in the same run.
 *
 *   npx tsx bench/render.ts
 */
import { availableParallelism, cpus, loadavg } from 'node:os'
import { Worker } from 'node:worker_threads'
import { pino } from 'pino'
import type { ChartEngine } from '../src/chart/engine.js'
import { generateChartInput, normalizeChartRequest, type ChartRequest } from '../src/chart/request.js'
import { createLocalEngine } from '../src/engines/local/local-engine.js'

const log = pino({ level: 'warn' })
const context = (): { signal: AbortSignal, onStage: () => void } => ({ signal: new AbortController().signal, onStage: () => {} })

const SCENARIOS = {
  'candle + Volume + MA': { symbol: 'SP:SPX', studies: [{ name: 'Volume' }, { name: 'Moving Average', input: { length: 20 } }] },
  '4 panes (price, Volume, RSI, MACD)': { symbol: 'SP:SPX', studies: [{ name: 'Volume' }, { name: 'Relative Strength Index' }, { name: 'MACD' }] }
} as const
const SIZES = [[800, 600], [1920, 1080]] as const
const UNCACHED_RUNS = 30
const CACHED_RUNS = 300
const THROUGHPUT_JOBS = 48
const SCALING_ROUNDS = 3

function request (args: Record<string, unknown>): ChartRequest {
  return normalizeChartRequest(generateChartInput.parse(args), { storage: false })
}

function percentile (sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]
}

async function timeSequential (engine: ChartEngine, make: (i: number) => ChartRequest, runs: number): Promise<{ p50: number, p99: number, perSecond: number }> {
  const times: number[] = []
  const start = performance.now()
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await engine.render(make(i), context())
    times.push(performance.now() - t0)
  }
  const total = performance.now() - start
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p99: percentile(times, 99), perSecond: runs / (total / 1000) }
}

interface Throughput { perSecond: number, cores: number }

/** Charts/s with `workers` workers, and how many CPU cores the whole process kept busy meanwhile. */
async function throughput (workers: number, make: (i: number) => ChartRequest): Promise<Throughput> {
  const engine = createLocalEngine({ workers, queueLimit: 1000, cacheEntries: 0, log })
  try {
    await engine.status()
    await Promise.all(Array.from({ length: workers * 2 }, (_, i) => engine.render(make(i), context())))
    const cpu = process.cpuUsage()
    const start = performance.now()
    await Promise.all(Array.from({ length: THROUGHPUT_JOBS }, (_, i) => engine.render(make(i), context())))
    const elapsed = performance.now() - start
    const used = process.cpuUsage(cpu)
    return { perSecond: THROUGHPUT_JOBS / (elapsed / 1000), cores: (used.user + used.system) / 1000 / elapsed }
  } finally {
    await engine.close()
  }
}

/** How a plain CPU-bound loop scales from 1 to 2 threads on this machine: the ceiling any pool can reach here. */
async function loopScaling (): Promise<number> {
  const source = 'const { parentPort } = require("node:worker_threads"); parentPort.on("message", (n) => { let x = 0; for (let i = 0; i < n; i++) x = (x * 31 + i) % 1000003; parentPort.postMessage(x) })'
  const rate = async (threads: number): Promise<number> => {
    const workers = Array.from({ length: threads }, () => new Worker(source, { eval: true }))
    const jobs = 24
    let next = 0
    const start = performance.now()
    await Promise.all(workers.map(async (worker) => {
      while (next < jobs) {
        next++
        await new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(2e7) })
      }
    }))
    const elapsed = performance.now() - start
    await Promise.all(workers.map((w) => w.terminate()))
    return jobs / elapsed
  }
  return (await rate(2)) / (await rate(1))
}

const ms = (v: number): string => v < 1 ? v.toFixed(2) : v < 10 ? v.toFixed(1) : v.toFixed(0)

async function main (): Promise<void> {
  const rows: string[] = []
  const uncached = createLocalEngine({ workers: 1, queueLimit: 100, cacheEntries: 0, log })
  const cached = createLocalEngine({ workers: 1, queueLimit: 100, cacheEntries: 64, log })
  try {
    await Promise.all([uncached.status(), cached.status()])
    for (const [name, args] of Object.entries(SCENARIOS)) {
      for (const [width, height] of SIZES) {
        const make = (): ChartRequest => request({ ...args, width, height })
        await timeSequential(uncached, make, 3)
        const cold = await timeSequential(uncached, make, UNCACHED_RUNS)
        await cached.render(make(), context())
        const hot = await timeSequential(cached, make, CACHED_RUNS)
        rows.push(`| ${name} | ${width}×${height} | ${ms(cold.p50)} | ${ms(cold.p99)} | ${cold.perSecond.toFixed(1)} | ${ms(hot.p50)} | ${ms(hot.p99)} | ${hot.perSecond.toFixed(0)} |`)
        console.error(`done: ${name} ${width}×${height}`)
      }
    }
  } finally {
    await Promise.all([uncached.close(), cached.close()])
  }

  const scaling = (i: number): ChartRequest => request({ ...SCENARIOS['candle + Volume + MA'], width: 800, height: 600 + (i % 8) })
  // Alternating rounds, so load from other processes on the machine hits both pool sizes alike.
  const rounds: Array<{ one: Throughput, two: Throughput }> = []
  for (let round = 0; round < SCALING_ROUNDS; round++) {
    const one = await throughput(1, scaling)
    const two = await throughput(2, scaling)
    rounds.push({ one, two })
  }
  const ratios = rounds.map((r) => r.two.perSecond / r.one.perSecond).sort((a, b) => a - b)
  const median = ratios[Math.floor(ratios.length / 2)]

  const baseline = await loopScaling()
  const cpu = cpus()[0]?.model ?? 'unknown CPU'
  const load = loadavg().map((l) => l.toFixed(2)).join(', ')
  console.log('# Embedded renderer benchmark\n')
  console.log(`Command: \`npx tsx bench/render.ts\` — Node ${process.version}, ${availableParallelism()} CPUs (${cpu}), load average at the end ${load} (other processes on the machine compete for the same cores).`)
  console.log(`Latency is end to end through the local engine (main-thread preparation, worker render, PNG); uncached = cache off, ${UNCACHED_RUNS} sequential renders on 1 worker; cached = ${CACHED_RUNS} identical repeats.\n`)
  console.log('| chart | size | uncached p50 ms | uncached p99 ms | uncached charts/s | cached p50 ms | cached p99 ms | cached charts/s |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const row of rows) console.log(row)
  console.log(`\nPool scaling (candle + Volume + MA, 800×600, ${THROUGHPUT_JOBS} concurrent renders, cache off):\n`)
  console.log('| round | 1 worker charts/s | CPU cores busy | 2 workers charts/s | CPU cores busy | ratio |')
  console.log('|---|---|---|---|---|---|')
  rounds.forEach((r, i) => console.log(`| ${i + 1} | ${r.one.perSecond.toFixed(1)} | ${r.one.cores.toFixed(2)} | ${r.two.perSecond.toFixed(1)} | ${r.two.cores.toFixed(2)} | ${(r.two.perSecond / r.one.perSecond).toFixed(2)}× |`))
  console.log(`\n2 workers / 1 worker, median of ${SCALING_ROUNDS} rounds: **${median.toFixed(2)}×** (target ≥ 1.7×)`)
  console.log(`Machine baseline, same run: a pure-JS CPU loop in 1 vs 2 worker threads scales **${baseline.toFixed(2)}×**.`)
  console.log('"CPU cores busy" is the whole process (workers, main thread, V8 GC helper threads): when one worker already keeps')
  console.log('more than one core busy, two workers on two cores cannot double the rate.')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
