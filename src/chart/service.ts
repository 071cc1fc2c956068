/**
 * The chart service: one request's life from acceptance to a stored image. It records every step in the history
 * store and publishes `chart_progress` events on the bus; it knows nothing of HTTP or MCP.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { ChartEngine, RenderResult, RenderStage } from './engine.js'
import { isChartError, shuttingDownError } from './errors.js'
import { fileExtensionOf, type ChartRequest } from './request.js'
import type { ChartFailure, ChartService, GenerateOptions, GenerateOutcome } from './service-types.js'
import type { EventBus } from '../events/bus.js'
import type { ChartProgressEvent, ChartStatus } from '../events/types.js'
import { TurnQueue } from '../scheduling/turn-queue.js'
import { isSharedStoreUnavailable, newChartRecord, type ChartRecord, type HistoryStore } from '../history/types.js'
import { describeStorageError } from '../history/data-dir.js'
import { measureRender } from '../metrics.js'

export interface ChartServiceDeps {
  engine: ChartEngine
  history: HistoryStore
  bus: EventBus
  /**
   * Absolute base for image URLs, without a trailing slash, e.g. http://127.0.0.1:3001 (known only once listening),
   * or null when no HTTP server serves /charts (stdio without PUBLIC_BASE_URL): images are then named by file:// URL.
   */
  publicBaseUrl: () => string | null
  /** Shared with the engine's preparation (see ChartServiceApi.turns); a queue of its own by default. */
  turns?: TurnQueue
  log: Logger
}

/** `req_<ms>_<hex>`: seed 004's shape, with a random tail so ids stay unique across instances and restarts. */
export function newRequestId (): string {
  return `req_${Date.now()}_${randomBytes(4).toString('hex')}`
}

const INTERNAL_FAILURE = 'Chart generation failed because of an internal error; it has been logged. Try again, or try a simpler chart.'

/** A storage failure said so a model can act on it: the request was fine, the server needs its operator. */
export function storageFailureMessage (reason: string): string {
  return `The chart could not be saved: ${reason}. This is not your request's fault, and retrying will not help until the server's operator fixes its storage (DATA_DIR); tell the user the chart server needs attention.`
}

/** Every chart being made, so a drain can wait for them and, past its deadline, abort them (they still answer). */
interface InFlight {
  controller: AbortController
  settled: Promise<unknown>
}

export function createChartService (deps: ChartServiceDeps): ChartService {
  const { engine, history, bus, log } = deps
  const turns = deps.turns ?? new TurnQueue()

  function publish (record: ChartRecord, status: ChartStatus, message: string, extra: Partial<ChartProgressEvent['data']> = {}, processingTime?: number): void {
    const event: ChartProgressEvent = {
      type: 'chart_progress',
      requestId: record.requestId,
      message,
      timestamp: new Date().toISOString(),
      ...(processingTime === undefined ? {} : { processingTime }),
      data: { symbol: record.request.symbol, status, engine: engine.name, ...extra }
    }
    // The bus never throws for a listener; a failing transport (Redis down) must not fail the chart either.
    bus.publish({ clientId: record.clientId, owner: record.owner, event }).catch((error: unknown) => {
      log.warn({ err: error, requestId: record.requestId }, 'could not publish chart progress')
    })
  }

  function imageUrl (record: ChartRecord): string | null {
    if (record.remoteUrl !== null) return record.remoteUrl
    if (record.imageFile === null) return null
    const base = deps.publicBaseUrl()
    // No server is listening: a link to one would not open, the stored file does (issue 12).
    if (base === null) return history.images.fileUrl(record.imageFile)
    return `${base}/charts/${record.imageFile}`
  }

  async function storeImage (record: ChartRecord, request: ChartRequest, data: Buffer): Promise<string> {
    const file = `${record.requestId}.${fileExtensionOf(request.format)}`
    await history.images.save(file, data)
    return file
  }

  async function complete (record: ChartRecord, request: ChartRequest, result: RenderResult, startedAt: number): Promise<GenerateOutcome> {
    const completedAt = Date.now()
    const processingTime = completedAt - startedAt
    if (result.kind === 'stored') {
      const updated = await history.update(record.requestId, {
        status: 'completed', completedAt, processingTime, remoteUrl: result.url, expiresAt: result.expiresAt, notes: result.notes
      }) ?? record
      publish(updated, 'completed', `Chart ready for ${request.symbol} (hosted by Chart-IMG)`, { imageUrl: result.url }, processingTime)
      return { ok: true, record: updated, image: null, imageUrl: result.url, notes: result.notes, cached: false }
    }
    const imageFile = await storeImage(record, request, result.data)
    const updated = await history.update(record.requestId, {
      status: 'completed', completedAt, processingTime, imageFile, mimeType: result.mimeType, notes: result.notes
    }) ?? record
    const url = imageUrl(updated)
    publish(updated, 'completed', `Chart ready for ${request.symbol}`, { imageUrl: url ?? undefined }, processingTime)
    return { ok: true, record: updated, image: { data: result.data, mimeType: result.mimeType }, imageUrl: url, notes: result.notes, cached: result.cached === true }
  }

  const inFlight = new Set<InFlight>()
  let draining = false
  let drainController: AbortController | null = null

  /** A failure outcome; recording it is best effort (the disk may be what failed). */
  async function fail (record: ChartRecord, request: ChartRequest, failure: ChartFailure, startedAt: number): Promise<GenerateOutcome> {
    const { message } = failure
    const completedAt = Date.now()
    const processingTime = completedAt - startedAt
    try {
      record = await history.update(record.requestId, { status: 'failed', completedAt, processingTime, error: message }) ?? record
    } catch (error) {
      log.warn({ err: error, requestId: record.requestId }, 'could not record a failed chart')
      record = { ...record, status: 'failed', completedAt, processingTime, error: message }
    }
    publish(record, 'failed', `Chart generation failed for ${request.symbol}: ${message}`, { error: message }, processingTime)
    return { ok: false, record, ...failure }
  }

  function failureOf (error: unknown, record: ChartRecord, abortedByDrain: boolean): ChartFailure {
    if (abortedByDrain) return { message: 'The chart server shut down before this chart finished; generate it again in a moment.', code: 'SHUT_DOWN', retryAfterSeconds: 5 }
    if (isChartError(error)) return { message: error.message, code: error.code, ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }) }
    if (isSharedStoreUnavailable(error)) return { message: error.message, code: 'SHARED_STORE' }
    const storage = describeStorageError(error)
    if (storage !== null) {
      log.error({ err: error, requestId: record.requestId }, 'chart could not be stored')
      return { message: storageFailureMessage(storage), code: 'STORAGE' }
    }
    log.error({ err: error, requestId: record.requestId }, 'chart generation failed')
    return { message: INTERNAL_FAILURE, code: 'INTERNAL' }
  }

  async function generate (request: ChartRequest, options: GenerateOptions): Promise<GenerateOutcome> {
    const createdAt = Date.now()
    const record = newChartRecord({ requestId: newRequestId(), clientId: options.clientId, owner: options.owner, engine: engine.name, request, createdAt })
    if (draining) {
      const refused = shuttingDownError()
      return { ok: false, record: { ...record, status: 'failed', error: refused.message }, message: refused.message, code: refused.code, retryAfterSeconds: refused.retryAfterSeconds }
    }
    try {
      await history.insert(record)
    } catch (error) {
      const storage = describeStorageError(error)
      if (storage === null && !isSharedStoreUnavailable(error)) throw error
      log.error({ err: error, requestId: record.requestId }, 'chart request could not be recorded')
      const failure: ChartFailure = storage === null ? { message: (error as Error).message, code: 'SHARED_STORE' } : { message: storageFailureMessage(storage), code: 'STORAGE' }
      return { ok: false, record: { ...record, status: 'failed', error: failure.message }, ...failure }
    }
    options.onAccepted?.(record.requestId)
    publish(record, 'started', `Chart generation started for ${request.symbol}`)

    const controller = new AbortController()
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal])
    const work = run(record, request, signal, controller)
    const entry: InFlight = { controller, settled: work }
    inFlight.add(entry)
    try {
      return await work
    } finally {
      inFlight.delete(entry)
    }
  }

  async function run (record: ChartRecord, request: ChartRequest, signal: AbortSignal, controller: AbortController): Promise<GenerateOutcome> {
    const startedAt = Date.now()
    try {
      record = await history.update(record.requestId, { status: 'rendering', startedAt }) ?? record
    } catch (error) {
      return await fail(record, request, failureOf(error, record, false), startedAt)
    }
    const onStage = (stage: RenderStage): void => {
      publish(record, stage.status, stage.message, { attempt: stage.attempt, delayMs: stage.delayMs })
    }
    try {
      const result = await measureRender(engine.name, async () => await engine.render(request, { signal, onStage }))
      return await complete(record, request, result, startedAt)
    } catch (error) {
      return await fail(record, request, failureOf(error, record, controller.signal.aborted && drainController?.signal.aborted === true), startedAt)
    }
  }

  async function drain (deadlineMs: number): Promise<{ finished: number, aborted: number }> {
    draining = true
    drainController ??= new AbortController()
    // Renders waiting for a worker are refused now (they answer SHUTTING_DOWN); running ones go on.
    engine.drain?.()
    const running = [...inFlight]
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<'deadline'>((resolve) => { timer = setTimeout(() => { resolve('deadline') }, deadlineMs).unref() })
    const all = Promise.allSettled(running.map(async (entry) => await entry.settled))
    const outcome = await Promise.race([all.then(() => 'done' as const), deadline])
    clearTimeout(timer)
    if (outcome === 'done') return { finished: running.length, aborted: 0 }
    // Past the deadline: abort what is left; each still answers its caller (with a failure) before we return.
    drainController.abort()
    const left = [...inFlight]
    for (const entry of left) entry.controller.abort(new Error('shutdown deadline'))
    await Promise.allSettled(left.map(async (entry) => await entry.settled))
    return { finished: running.length - left.length, aborted: left.length }
  }

  return {
    engineName: engine.name,
    turns,
    generate,
    drain,
    async status (requestId, owner) {
      const record = await history.get(requestId)
      return record?.owner === owner ? record : undefined
    },
    recent: async (limit, owner) => await history.recent(limit, owner),
    listSymbols: async (query) => await engine.listSymbols(query),
    imageUrl,
    async readImage (record) {
      if (record.imageFile === null) return null
      return await history.images.read(record.imageFile)
    }
  }
}
