/**
 * The embedded chart engine: bundled/user market data drawn with ECharts (server-side SVG) and resvg, in a pool of
 * worker threads (piscina) so rendering never blocks the event loop, with an LRU of rendered images in front.
 * Used when no Chart-IMG key is configured, so a fresh install draws charts offline.
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MessageChannel } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { Logger } from 'pino'
import type { ChartEngine, EngineStatus, RenderContext, RenderResult, RenderStage } from '../../chart/engine.js'
import { ChartError, isChartError, shuttingDownError } from '../../chart/errors.js'
import type { ChartRequest } from '../../chart/request.js'
import type { BarCache } from '../../market/bar-cache.js'
import { createMarketCatalog } from '../../market/catalog.js'
import { createMarketData, type DisabledProvider, type LoadedSeries } from '../../market/market-data.js'
import type { MarketDataProvider } from '../../market/providers/types.js'
import { openSqliteBarCache } from '../../market/sqlite-bar-cache.js'
import { findFonts } from '../../render/fonts.js'
import type { RenderJob } from '../../render/job.js'
import { TurnQueue } from '../../scheduling/turn-queue.js'
import { prepareJobInput } from './prepare-job.js'
import { RenderCache, renderCacheKey, type CachedImage } from './render-cache.js'
import type { RenderTask, RenderTaskResult } from './render-worker.js'

export interface LocalEngineOptions {
  /** Worker threads rendering at once (RENDER_WORKERS). */
  workers: number
  /** Renders allowed to wait for a worker; one more is refused with BUSY at once (RENDER_QUEUE_LIMIT). */
  queueLimit: number
  /** Rendered images kept for identical requests; 0 disables the cache (RENDER_CACHE_ENTRIES). */
  cacheEntries: number
  /** Directory of user CSV files (MARKET_DATA_DIR). */
  marketDataDir?: string
  /** Online market-data providers (src/market/providers/registry.ts); none by default, so the engine stays offline. */
  providers?: readonly MarketDataProvider[]
  /** Providers switched off, named in errors for their exchanges. */
  disabledProviders?: readonly DisabledProvider[]
  /** SQLite file caching provider bars (DATA_DIR/market-cache.sqlite); this or `marketCache` when there are providers. */
  marketCacheFile?: string
  /** The bar cache itself (src/market/open-bar-cache.ts: Redis when REDIS_URL is set); closed with the engine. */
  marketCache?: BarCache
  /** Clock for market-data freshness; tests pass a fake one. */
  now?: () => number
  /** Where synchronous preparation waits its turn; shared with the chart service's intake (src/core.ts). */
  turns?: TurnQueue
  log: Logger
}

// Piscina's own message for a full queue (piscina/dist/errors.js, TaskQueueAtLimit).
const QUEUE_FULL_MESSAGE = 'Task queue is at limit'
const WARMUP_WAIT_MS = 20_000

/**
 * Creates the engine and starts its workers; each worker draws one small warm-up chart so the first real request
 * does not pay for loading ECharts and the fonts, and so `status()` reports a pool that has really rendered.
 */
export function createLocalEngine (options: LocalEngineOptions): ChartEngine {
  const { log } = options
  const workers = Math.max(1, Math.floor(options.workers))
  const providers = options.providers ?? []
  if (providers.length > 0 && options.marketCacheFile === undefined && options.marketCache === undefined) throw new Error('market data providers need marketCacheFile or marketCache')
  const market = createMarketData({
    catalog: createMarketCatalog({ marketDataDir: options.marketDataDir, log }),
    providers,
    disabled: options.disabledProviders,
    cache: options.marketCache ?? (providers.length > 0 ? openSqliteBarCache(options.marketCacheFile as string) : undefined),
    now: options.now,
    log
  })
  const cache = new RenderCache(options.cacheEntries)
  const preparation = options.turns ?? new TurnQueue()
  const fonts = findFonts()
  // Next to this module with its own extension: .ts under tsx/tap, .js from the compiled dist/.
  const workerFile = new URL(`./render-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url)
  const pool = new Piscina<RenderTask, RenderTaskResult>({
    filename: workerFile.href,
    minThreads: workers,
    maxThreads: workers,
    maxQueue: options.queueLimit,
    idleTimeout: 60_000
  })
  pool.on('error', (error: unknown) => { log.error({ err: error }, 'render worker error') })

  let closed = false
  let draining = false
  let closing: Promise<void> | undefined
  /** Renders handed to the pool: `refuse` aborts one that has not started (drain); started ones are left to finish. */
  const handedOver = new Set<{ refuse: AbortController, started: () => boolean }>()
  /** Jobs handed to the pool and not yet settled (running or waiting). */
  let active = 0
  /** Smoothed render time, for the BUSY retry hint. */
  let averageMs = 150
  let warmError: string | undefined

  const warmup = Promise.allSettled(Array.from({ length: workers }, () => pool.run({ work: { job: warmupJob() } })))
    .then((results) => {
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      const ok = results.some((r) => r.status === 'fulfilled' && r.value.ok)
      if (!ok && !closed) {
        warmError = failure === undefined ? 'warm-up render failed' : String((failure.reason as Error)?.message ?? failure.reason)
        log.error({ err: failure?.reason }, 'render workers failed to start')
      }
      return ok
    })

  const waiting = (): number => Math.max(0, active - workers)
  const busy = (): ChartError => {
    const retryAfterSeconds = Math.max(1, Math.ceil((waiting() + workers) / workers * averageMs / 1000))
    return new ChartError('BUSY', `The chart renderer is busy (${waiting()} charts waiting, limit ${options.queueLimit}); try again in ${retryAfterSeconds} s`, { retryAfterSeconds })
  }

  const toChartError = (error: unknown, signal: AbortSignal): ChartError => {
    if (isChartError(error)) return error
    const message = error instanceof Error ? error.message : String(error)
    if (message === QUEUE_FULL_MESSAGE) return busy()
    if (signal.aborted || (error instanceof Error && error.name === 'AbortError')) {
      return new ChartError('CANCELLED', 'The chart request was cancelled', { cause: error })
    }
    if (closed) return new ChartError('CANCELLED', 'The chart engine is shutting down', { cause: error })
    log.error({ err: error }, 'local render failed')
    return new ChartError('RENDER_FAILED', `The embedded renderer failed: ${message}`, { cause: error })
  }

  const stage = (onStage: RenderContext['onStage'], value: RenderStage): void => {
    try {
      onStage(value)
    } catch (error) {
      log.warn({ err: error }, 'onStage listener threw')
    }
  }

  /** `dataNotes` (the data's age when a provider was unreachable) are the request's own, never cached with the image. */
  const imageResult = (image: CachedImage, cached: boolean, dataNotes: string[]): RenderResult => ({
    kind: 'image',
    mimeType: image.mimeType,
    data: image.data,
    width: image.width,
    height: image.height,
    notes: [...dataNotes, ...image.notes],
    cached
  })

  return {
    name: 'local',

    async render (request: ChartRequest, { signal, onStage }: RenderContext): Promise<RenderResult> {
      if (closed) throw new ChartError('CANCELLED', 'The chart engine is shutting down')
      if (draining) throw shuttingDownError()
      if (signal.aborted) throw new ChartError('CANCELLED', 'The chart request was cancelled')
      // Bundled and user data answer at once; provider symbols may fetch (each request reported as a stage).
      let loaded: LoadedSeries
      try {
        loaded = await market.loadSeries(request.symbol, request.interval, {
          range: request.range,
          width: request.width,
          signal,
          onFetch: (message) => stage(onStage, { status: 'requesting', message })
        })
      } catch (error) {
        throw toChartError(error, signal)
      }
      const key = cache.capacity > 0 ? renderCacheKey(request, loaded.version) : null
      if (key !== null) {
        const hit = cache.get(key)
        if (hit !== undefined) return imageResult(hit, true, loaded.notes)
      }

      // Preparation (data window, studies) is synchronous: one request per loop turn, so a burst never blocks
      // timers (SSE heartbeats) or other connections' I/O for long (see src/scheduling/turn-queue.ts).
      const { input, notes } = await preparation.run(() => {
        if (closed) throw new ChartError('CANCELLED', 'The chart engine is shutting down')
        if (draining) throw shuttingDownError()
        if (signal.aborted) throw new ChartError('CANCELLED', 'The chart request was cancelled')
        return prepareJobInput(request, loaded.series)
      })
      if (signal.aborted) throw new ChartError('CANCELLED', 'The chart request was cancelled')
      if (draining) throw shuttingDownError()
      // Counted here, not left to piscina's maxQueue alone: piscina parks tasks that carry an AbortSignal in a
      // side queue its maxQueue check does not count (piscina 5.3 _returnUndistributedTask/skipQueue).
      if (waiting() >= options.queueLimit) throw busy()

      // Piscina cannot say when a queued task starts, so the worker posts "started" on a port of this task's own.
      const channel = new MessageChannel()
      let rendering = false
      const reportRendering = (): void => {
        if (rendering) return
        rendering = true
        stage(onStage, { status: 'rendering', message: `Drawing ${input.symbol} ${request.interval} ${request.style} ${request.width}×${request.height} ${request.format}` })
      }
      channel.port1.on('message', reportRendering)
      if (active >= workers) {
        stage(onStage, { status: 'queued', message: `Waiting for a render worker: ${active - workers + 1} chart(s) ahead on ${workers} worker(s)` })
      }
      active++
      const started = performance.now()
      const handle = { refuse: new AbortController(), started: () => rendering }
      handedOver.add(handle)
      let result: RenderTaskResult
      try {
        result = await pool.run({ work: { input }, port: channel.port2 }, { transferList: [channel.port2], signal: AbortSignal.any([signal, handle.refuse.signal]) })
      } catch (error) {
        if (handle.refuse.signal.aborted && !signal.aborted) throw shuttingDownError()
        throw toChartError(error, signal)
      } finally {
        active--
        handedOver.delete(handle)
        channel.port1.close()
      }
      // The result can overtake the "started" message (two ports, no ordering between them); it did render.
      reportRendering()
      if (!result.ok) throw new ChartError(result.code, result.message)
      averageMs = averageMs * 0.8 + (performance.now() - started) * 0.2

      const image: CachedImage = {
        data: Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength),
        mimeType: result.mimeType,
        width: result.width,
        height: result.height,
        notes: [...notes, ...result.notes]
      }
      if (key !== null) cache.set(key, image)
      return imageResult(image, false, loaded.notes)
    },

    async listSymbols (query) {
      return await market.listSymbols(query)
    },

    async status (): Promise<EngineStatus> {
      if (closed) return { ready: false, detail: 'The embedded engine is closed' }
      if (fonts === null) return { ready: false, detail: 'No font file: the npm package dejavu-fonts-ttf is missing, so charts would have no text' }
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), WARMUP_WAIT_MS).unref() })
      const warmed = await Promise.race([warmup, timeout])
      clearTimeout(timer)
      if (closed) return { ready: false, detail: 'The embedded engine is closed' }
      if (!warmed) return { ready: false, detail: warmError === undefined ? 'Render workers are still starting' : `Render workers failed to start: ${warmError}` }
      return {
        ready: true,
        detail: `Embedded renderer: ${pool.threads.length} worker(s), ${waiting()} waiting (limit ${options.queueLimit}), cache ${cache.size}/${cache.capacity}, font DejaVu Sans`
      }
    },

    drain () {
      draining = true
      // piscina drops an aborted task from its queue without touching a worker; a running task is not aborted here.
      for (const handle of handedOver) if (!handle.started()) handle.refuse.abort()
    },

    async close () {
      closing ??= (async () => {
        closed = true
        cache.clear()
        await pool.destroy()
        await market.close()
      })()
      return closing
    }
  }
}

/** A small fixed chart drawn once per worker at start-up; never returned to anyone. */
function warmupJob (): RenderJob {
  const count = 40
  const close = Array.from({ length: count }, (_, i) => 100 + 5 * Math.sin(i / 4))
  return {
    symbol: 'WARMUP:CHART',
    interval: '1D',
    style: 'candle',
    theme: 'light',
    width: 320,
    height: 220,
    format: 'png',
    timezone: 'Etc/UTC',
    fields: 'ohlc',
    bars: {
      time: close.map((_, i) => Date.UTC(2020, 0, 1) + i * 86_400_000),
      open: close.map((c, i) => (i === 0 ? c : close[i - 1])),
      high: close.map((c) => c + 1),
      low: close.map((c) => c - 1),
      close,
      volume: null
    },
    studies: [],
    drawings: []
  }
}
