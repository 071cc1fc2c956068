import t, { type Test } from 'tap'
import { writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { ChartEngine, RenderResult, RenderStage } from '../../src/chart/engine.js'
import { ChartError } from '../../src/chart/errors.js'
import type { ChartRequest } from '../../src/chart/request.js'
import { createLocalEngine, type LocalEngineOptions } from '../../src/engines/local/local-engine.js'
import { prepareJob } from '../../src/engines/local/prepare-job.js'
import { RenderCache, renderCacheKey, type CachedImage } from '../../src/engines/local/render-cache.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { buildChartOption } from '../../src/render/option-builder.js'
import { silentLogger } from '../support/logger.js'
import { waitFor } from '../sse/wait.js'
import { bundledCatalog, chartRequest, jpegSize, pngSize } from '../render/helpers.js'

async function engineFor (t: Test, options: Partial<LocalEngineOptions> = {}): Promise<ChartEngine> {
  const engine = createLocalEngine({ workers: 2, queueLimit: 16, cacheEntries: 16, log: silentLogger, ...options })
  t.teardown(() => engine.close())
  // Warm-up (ECharts and fonts loaded in every worker) takes seconds on a busy machine: wait for the positive
  // signal, with an outer bound for a pool that never starts. status() itself waits up to 20 s per call.
  const status = await waitFor('the render workers to warm up', async () => {
    const current = await engine.status()
    return current.ready || /failed/.test(current.detail) ? current : undefined
  }, 180_000)
  t.ok(status.ready, `engine ready: ${status.detail}`)
  return engine
}

let shared: Promise<ChartEngine> | undefined
/** One default engine for the tests that need nothing special (each engine start costs a worker warm-up). */
function sharedEngine (): Promise<ChartEngine> {
  shared ??= engineFor(t)
  return shared
}

let single: Promise<ChartEngine> | undefined
/** One engine with a single worker and no cache, shared the same way, for the tests of queueing and aborts. */
function singleWorkerEngine (): Promise<ChartEngine> {
  single ??= engineFor(t, { workers: 1, cacheEntries: 0 })
  return single
}

const quiet = { signal: new AbortController().signal, onStage: () => {} }

function image (result: RenderResult): Extract<RenderResult, { kind: 'image' }> {
  if (result.kind !== 'image') throw new Error('expected an image')
  return result
}

async function rejection (promise: Promise<unknown>): Promise<ChartError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ChartError) return error
    throw error
  }
  throw new Error('expected a ChartError')
}

t.test('renders PNG and JPEG of the asked size in a worker, reporting its stages', async (t) => {
  const engine = await sharedEngine()
  t.equal(engine.name, 'local')
  const stages: RenderStage[] = []
  const png = image(await engine.render(chartRequest({ symbol: 'SP:SPX', width: 812, height: 433, studies: [{ name: 'Volume' }, { name: 'MACD' }] }), { signal: new AbortController().signal, onStage: (s) => stages.push(s) }))
  t.match(png, { mimeType: 'image/png', width: 812, height: 433, cached: false, notes: [] })
  t.same(pngSize(png.data), { width: 812, height: 433 })
  t.same(stages.map((s) => s.status), ['rendering'], 'an idle pool starts at once: no queued stage')
  t.match(stages[0].message, /SP:SPX 1D candle 812×433 png/)

  const jpeg = image(await engine.render(chartRequest({ symbol: 'CBOE:VIX', format: 'jpeg', theme: 'dark', width: 500, height: 300 }), quiet))
  t.equal(jpeg.mimeType, 'image/jpeg')
  t.same(jpegSize(jpeg.data), { width: 500, height: 300 })
})

t.test('the chart header names the instrument: bundled symbols by name, user files by symbol alone', async (t) => {
  t.equal(prepareJob(chartRequest({ symbol: 'SP:SPX' }), bundledCatalog()).job.description, 'S&P 500 index')
  t.equal(prepareJob(chartRequest({ symbol: 'NASDAQ:AAPL', style: 'line', interval: '1M' }), bundledCatalog()).job.description, 'Apple Inc.')
  const dir = t.testdir({ 'MYEX_DAILY.csv': 'date,open,high,low,close\n2024-01-02,1,2,0.5,1.5\n2024-01-03,1.5,2.5,1,2\n' })
  const catalog = createMarketCatalog({ marketDataDir: dir, log: silentLogger })
  t.teardown(() => { catalog.close() })
  t.equal(prepareJob(chartRequest({ symbol: 'MYEX:DAILY' }), catalog).job.description, undefined)
})

t.test('what cannot be honoured comes back as notes', async (t) => {
  const engine = await sharedEngine()
  const result = image(await engine.render(chartRequest({
    symbol: 'CBOE:VIX',
    storage: true,
    studies: [{ name: 'Volume' }, { name: 'Relative Strength Index', input: { smoothing: 3 } }],
    drawings: [{ name: 'Horizontal Line', input: { price: 28 }, override: { glow: 1 } }]
  }), quiet))
  t.match(result.notes, [
    /override "glow" is not supported/,
    /Volume: CBOE:VIX has no volume data; not drawn/,
    /Relative Strength Index: input "smoothing" is not supported/,
    /storage: hosted image URLs are a Chart-IMG feature/
  ])
})

t.test('errors a user can act on', async (t) => {
  const engine = await sharedEngine()
  const closeOnly = await rejection(engine.render(chartRequest({ symbol: 'NASDAQ:AAPL', interval: '1M', style: 'candle' }), quiet))
  t.equal(closeOnly.code, 'UNSUPPORTED_STYLE')
  t.equal(closeOnly.message, 'NASDAQ:AAPL has monthly closes only (no open, high or low), so style candle cannot be drawn; use style line, area, baseline or column (get_available_symbols lists each symbol\'s styles)')
  for (const style of ['bar', 'hollowCandle', 'heikinAshi', 'hiLo']) {
    t.equal((await rejection(engine.render(chartRequest({ symbol: 'NYSE:IBM', interval: '1M', style }), quiet))).code, 'UNSUPPORTED_STYLE', style)
  }
  const drawing = await rejection(engine.render(chartRequest({ symbol: 'SP:SPX', drawings: [{ name: 'Pitchfork', input: {} }] }), quiet))
  t.equal(drawing.code, 'INVALID_REQUEST')
  t.match(drawing.message, /supported drawings: Horizontal Line, Trend Line, Long Position, Short Position/)
  const input = await rejection(engine.render(chartRequest({ symbol: 'SP:SPX', drawings: [{ name: 'Trend Line', input: { startDatetime: '2020-01-01', startPrice: 1, endPrice: 2 } }] }), quiet))
  t.equal(input.code, 'INVALID_REQUEST')
  t.match(input.message, /input.endDatetime/)
  t.equal((await rejection(engine.render(chartRequest({ symbol: 'SP:SPX', studies: [{ name: 'Ichimoku Cloud' }] }), quiet))).code, 'UNSUPPORTED_STUDY')
  t.equal((await rejection(engine.render(chartRequest({ symbol: 'FOO:BAR' }), quiet))).code, 'UNKNOWN_SYMBOL')
})

t.test('cache: an identical request is served from the cache; any change misses', async (t) => {
  const dir = t.testdir({})
  const csv = (last: number): string => ['date,open,high,low,close,volume', ...Array.from({ length: 60 }, (_, i) => {
    const day = new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10)
    const close = i === 59 ? last : 100 + Math.sin(i / 5) * 4
    return `${day},${close - 1},${close + 2},${close - 2},${close},${1000 + i}`
  })].join('\n')
  const write = (last: number): void => {
    writeFileSync(join(dir, 'tmp.part'), csv(last))
    renameSync(join(dir, 'tmp.part'), join(dir, 'MYEX_TEST.csv'))
  }
  write(100)
  const engine = await engineFor(t, { marketDataDir: dir })
  const base: Record<string, unknown> = { symbol: 'SP:SPX', range: '3M', studies: [{ name: 'Relative Strength Index', input: { length: 14 } }], drawings: [{ name: 'Horizontal Line', input: { price: 2800 } }] }
  const first = image(await engine.render(chartRequest(base), quiet))
  t.equal(first.cached, false)
  const second = image(await engine.render(chartRequest({ ...base, studies: [{ input: { length: 14 }, name: 'Relative Strength Index' }] }), quiet))
  t.equal(second.cached, true, 'same request (key order aside): cached')
  t.ok(second.data.equals(first.data), 'same bytes')

  const changes: Array<Record<string, unknown>> = [
    { theme: 'dark' }, { width: 801 }, { height: 601 }, { style: 'bar' }, { range: '6M' }, { timezone: 'America/New_York' }, { format: 'jpeg' }, { interval: '1W' },
    { studies: [{ name: 'Relative Strength Index', input: { length: 15 } }] },
    { drawings: [{ name: 'Horizontal Line', input: { price: 2801 } }] },
    { drawings: [{ name: 'Horizontal Line', input: { price: 2800 }, override: { lineColor: 'red' } }] }
  ]
  for (const change of changes) {
    t.equal(image(await engine.render(chartRequest({ ...base, ...change }), quiet)).cached, false, `changed ${Object.keys(change)[0]}: miss`)
  }

  const user = { symbol: 'MYEX:TEST' }
  t.equal(image(await engine.render(chartRequest(user), quiet)).cached, false)
  t.equal(image(await engine.render(chartRequest(user), quiet)).cached, true)
  write(107)
  t.equal(image(await engine.render(chartRequest(user), quiet)).cached, false, 'edited data file: new data version, miss')
})

t.test('cacheEntries 0 disables the cache', async (t) => {
  const engine = await singleWorkerEngine()
  const request = chartRequest({ symbol: 'CBOE:VIX' })
  await engine.render(request, quiet)
  t.equal(image(await engine.render(request, quiet)).cached, false)
})

t.test('a full queue answers BUSY at once, with a retry hint', async (t) => {
  const engine = await engineFor(t, { workers: 1, queueLimit: 1, cacheEntries: 0 })
  const order: string[] = []
  const runs = Array.from({ length: 5 }, (_, i) => engine.render(chartRequest({ symbol: 'SP:SPX', width: 1200 + i, height: 900 }), quiet)
    .then(() => { order.push('ok') }, (error: ChartError) => { order.push(error.code); return error }))
  const results = await Promise.all(runs)
  const busy = results.filter((r): r is ChartError => r instanceof ChartError)
  t.equal(busy.length, 3, 'one rendering, one waiting, three refused')
  for (const error of busy) {
    t.equal(error.code, 'BUSY')
    t.ok((error.retryAfterSeconds ?? 0) >= 1, 'retryAfterSeconds')
    t.match(error.message, /busy.*limit 1/)
  }
  t.same(order.slice(0, 3), ['BUSY', 'BUSY', 'BUSY'], 'refusals come before any render finishes')
})

t.test('a job waiting behind others reports queued, then rendering', async (t) => {
  const engine = await singleWorkerEngine()
  const stages: string[] = []
  const first = engine.render(chartRequest({ symbol: 'SP:SPX', width: 1000 }), quiet)
  const second = engine.render(chartRequest({ symbol: 'SP:SPX', width: 1001 }), { signal: new AbortController().signal, onStage: (s) => stages.push(`${s.status}: ${s.message}`) })
  await Promise.all([first, second])
  t.match(stages, [/^queued: Waiting for a render worker: 1 chart\(s\) ahead/, /^rendering: /])
})

t.test('abort: before start, while queued, while rendering', async (t) => {
  const engine = await singleWorkerEngine()
  const aborted = new AbortController()
  aborted.abort()
  t.equal((await rejection(engine.render(chartRequest({ symbol: 'SP:SPX' }), { signal: aborted.signal, onStage: () => {} }))).code, 'CANCELLED', 'already aborted')

  const running = engine.render(chartRequest({ symbol: 'SP:SPX', width: 1900, height: 1000 }), quiet)
  const queued = new AbortController()
  const waiting = engine.render(chartRequest({ symbol: 'SP:SPX', width: 1901 }), { signal: queued.signal, onStage: () => {} })
  queued.abort()
  t.equal((await rejection(waiting)).code, 'CANCELLED', 'left the queue')
  t.equal(image(await running).width, 1900, 'the running job is unaffected')

  const mid = new AbortController()
  const stages: string[] = []
  const rendering = engine.render(chartRequest({ symbol: 'SP:SPX', width: 1902, height: 1000, studies: [{ name: 'Volume' }, { name: 'MACD' }] }), { signal: mid.signal, onStage: (s) => { stages.push(s.status); if (s.status === 'rendering') mid.abort() } })
  t.equal((await rejection(rendering)).code, 'CANCELLED', 'stopped while rendering')
  t.same(stages, ['rendering'])
  t.equal(image(await engine.render(chartRequest({ symbol: 'CBOE:VIX' }), quiet)).width, 800, 'the pool replaced the worker and keeps rendering')
})

t.test('rendering never blocks the event loop', async (t) => {
  // Eight different charts: the shared engine's cache cannot answer any of them.
  const engine = await sharedEngine()
  const heavy = (i: number): ChartRequest => chartRequest({ symbol: 'SP:SPX', range: '5Y', width: 1900 + i, height: 1000, studies: [{ name: 'Volume' }, { name: 'Relative Strength Index' }, { name: 'MACD' }] })
  await engine.render(heavy(9), quiet)
  // Counted, not timed (timing belongs in bench/): how often a 1 ms timer runs while 8 renders run. Rendering on the
  // main thread would hold the loop for a whole render each time, so the timer would run about once per render; in
  // the pool it runs throughout, however slow the machine is (a slower machine only means more ticks).
  let turns = 0
  const ticker = setInterval(() => { turns++ }, 1)
  const monitor = monitorEventLoopDelay({ resolution: 5 })
  monitor.enable()
  await Promise.all(Array.from({ length: 8 }, (_, i) => engine.render(heavy(i), quiet)))
  monitor.disable()
  clearInterval(ticker)
  t.comment(`during 8 pooled renders: ${turns} timer ticks, event-loop delay max ${(monitor.max / 1e6).toFixed(0)} ms (figures for information; bench/render-cores.ts measures)`)
  t.ok(turns > 8 * 10, `the loop kept turning during the renders (${turns} ticks of a 1 ms timer for 8 renders)`)
})

t.test('listSymbols, status and close', async (t) => {
  const engine = createLocalEngine({ workers: 1, queueLimit: 4, cacheEntries: 4, log: silentLogger })
  const listing = await engine.listSymbols({ exchange: 'NASDAQ' })
  t.same(listing.symbols.map((s) => s.symbol), ['NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:GOOG', 'NASDAQ:MSFT'])
  t.match(await engine.status(), { ready: true, detail: /1 worker\(s\).*limit 4.*DejaVu Sans/ })
  await engine.close()
  await engine.close()
  t.match(await engine.status(), { ready: false })
  t.equal((await rejection(engine.render(chartRequest({ symbol: 'SP:SPX' }), quiet))).code, 'CANCELLED', 'a closed engine refuses work')
})

t.test('intraday user data: times on the axis in the requested zone', async (t) => {
  const dir = t.testdir({})
  const rows = ['date,open,high,low,close,volume']
  for (const day of [4, 5]) {
    for (let m = 0; m < 390; m += 5) {
      const time = new Date(Date.UTC(2024, 2, day, 14, 30 + m)).toISOString()
      const price = 100 + Math.sin(m / 40) * 3 + day
      rows.push(`${time},${price},${price + 0.5},${price - 0.5},${price + 0.2},${100 + m}`)
    }
  }
  writeFileSync(join(dir, 'MYEX_INTRA.csv'), rows.join('\n'))
  const request = (timezone: string): ChartRequest => chartRequest({ symbol: 'MYEX:INTRA', interval: '15m', range: 'ALL', timezone, studies: [{ name: 'Volume' }] })
  const engine = await engineFor(t, { marketDataDir: dir, workers: 1 })
  const result = image(await engine.render(request('America/New_York'), quiet))
  t.same(pngSize(result.data), { width: 800, height: 600 })

  // The labels the bottom axis shows, from the same job the engine draws (CSV → job → option).
  const catalog = createMarketCatalog({ marketDataDir: dir, log: silentLogger })
  t.teardown(() => { catalog.close() })
  const hourLabels = (timezone: string): number[] => {
    const { option } = buildChartOption(prepareJob(request(timezone), catalog).job)
    const axes = option.xAxis as Array<{ data: string[], axisLabel: { show: boolean, interval: (i: number) => boolean, formatter: (v: string, i: number) => string } }>
    const bottom = axes.find((axis) => axis.axisLabel.show) as typeof axes[number]
    return bottom.data.map((value, i) => bottom.axisLabel.interval(i) ? bottom.axisLabel.formatter(value, i) : '')
      .flatMap((text) => { const m = /(\d{2}):\d{2}$/.exec(text); return m === null ? [] : [Number(m[1])] })
  }
  // 14:30–20:55 UTC is 09:30–15:55 in New York (EST in early March).
  const newYork = hourLabels('America/New_York')
  t.ok(newYork.length > 0 && newYork.every((h) => h >= 9 && h <= 16), `New York session hours: ${newYork.join(',')}`)
  const { option } = buildChartOption(prepareJob(request('America/New_York'), catalog).job)
  const axis = (option.xAxis as Array<{ data: string[], axisLabel: { show: boolean, interval: (i: number) => boolean, formatter: (v: string, i: number) => string } }>).find((a) => a.axisLabel.show)
  const first = axis?.data.map((value, i) => axis.axisLabel.interval(i) ? axis.axisLabel.formatter(value, i) : '').find((text) => text !== '')
  t.match(first, /^4 Mar 2024 \d{2}:\d{2}$/, 'the first intraday label carries the date')
  const utc = hourLabels('Etc/UTC')
  t.ok(utc.length > 0 && utc.every((h) => h >= 14 && h <= 21), `UTC hours: ${utc.join(',')}`)
})

t.test('render cache: least recently used entry goes first; keys ignore object key order', async (t) => {
  const cache = new RenderCache(2)
  const entry = (n: number): CachedImage => ({ data: Buffer.from([n]), mimeType: 'image/png', width: 1, height: 1, notes: [] })
  cache.set('a', entry(1))
  cache.set('b', entry(2))
  t.ok(cache.get('a'), 'a used: b is now the oldest')
  cache.set('c', entry(3))
  t.same([cache.get('a')?.data[0], cache.get('b'), cache.get('c')?.data[0]], [1, undefined, 3])
  t.equal(cache.size, 2)
  const off = new RenderCache(0)
  off.set('a', entry(1))
  t.equal(off.get('a'), undefined, 'capacity 0 keeps nothing')

  const one = chartRequest({ symbol: 'SP:SPX', studies: [{ name: 'MACD', input: { fastLength: 10, slowLength: 20 } }], range: { from: '2020-01-01', to: '2020-02-01' } })
  const two = chartRequest({ range: { to: '2020-02-01', from: '2020-01-01' }, studies: [{ input: { slowLength: 20, fastLength: 10 }, name: 'MACD' }], symbol: 'SP:SPX' })
  t.equal(renderCacheKey(one, 'v1'), renderCacheKey(two, 'v1'))
  t.not(renderCacheKey(one, 'v1'), renderCacheKey(one, 'v2'), 'the data version is part of the key')
})
