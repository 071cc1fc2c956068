/**
 * The chart service: one request's life from acceptance to a stored image. It records every step in the history
 * store and publishes `chart_progress` events on the bus; it knows nothing of HTTP or MCP.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Logger } from 'pino'
import type { ChartEngine, RenderResult, RenderStage } from './engine.js'
import { isChartError } from './errors.js'
import { fileExtensionOf, type ChartRequest } from './request.js'
import type { ChartServiceApi, GenerateOptions, GenerateOutcome } from './service-types.js'
import type { EventBus } from '../events/bus.js'
import type { ChartProgressEvent, ChartStatus } from '../events/types.js'
import type { HistoryStore } from '../history/sqlite-history.js'
import { TurnQueue } from '../scheduling/turn-queue.js'
import { newChartRecord, type ChartRecord } from '../history/types.js'

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

export function createChartService (deps: ChartServiceDeps): ChartServiceApi {
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
    if (base === null) return pathToFileURL(join(history.chartsDir, record.imageFile)).href
    return `${base}/charts/${record.imageFile}`
  }

  async function storeImage (record: ChartRecord, request: ChartRequest, data: Buffer): Promise<string> {
    const file = `${record.requestId}.${fileExtensionOf(request.format)}`
    const target = join(history.chartsDir, file)
    // Write then rename, so /charts/<file> never serves a half-written image.
    const temporary = `${target}.${process.pid}.tmp`
    // Recreated if an operator (or a cleanup job) removed it while the server ran.
    await mkdir(history.chartsDir, { recursive: true })
    await writeFile(temporary, data)
    await rename(temporary, target)
    return file
  }

  async function complete (record: ChartRecord, request: ChartRequest, result: RenderResult, startedAt: number): Promise<GenerateOutcome> {
    const completedAt = Date.now()
    const processingTime = completedAt - startedAt
    if (result.kind === 'stored') {
      const updated = history.update(record.requestId, {
        status: 'completed', completedAt, processingTime, remoteUrl: result.url, expiresAt: result.expiresAt, notes: result.notes
      }) ?? record
      publish(updated, 'completed', `Chart ready for ${request.symbol} (hosted by Chart-IMG)`, { imageUrl: result.url }, processingTime)
      return { ok: true, record: updated, image: null, imageUrl: result.url, notes: result.notes, cached: false }
    }
    const imageFile = await storeImage(record, request, result.data)
    const updated = history.update(record.requestId, {
      status: 'completed', completedAt, processingTime, imageFile, mimeType: result.mimeType, notes: result.notes
    }) ?? record
    const url = imageUrl(updated)
    publish(updated, 'completed', `Chart ready for ${request.symbol}`, { imageUrl: url ?? undefined }, processingTime)
    return { ok: true, record: updated, image: { data: result.data, mimeType: result.mimeType }, imageUrl: url, notes: result.notes, cached: result.cached === true }
  }

  async function generate (request: ChartRequest, options: GenerateOptions): Promise<GenerateOutcome> {
    const createdAt = Date.now()
    let record = newChartRecord({ requestId: newRequestId(), clientId: options.clientId, owner: options.owner, engine: engine.name, request, createdAt })
    history.insert(record)
    options.onAccepted?.(record.requestId)
    publish(record, 'started', `Chart generation started for ${request.symbol}`)

    const startedAt = Date.now()
    record = history.update(record.requestId, { status: 'rendering', startedAt }) ?? record
    const onStage = (stage: RenderStage): void => {
      publish(record, stage.status, stage.message, { attempt: stage.attempt, delayMs: stage.delayMs })
    }
    try {
      const result = await engine.render(request, { signal: options.signal ?? new AbortController().signal, onStage })
      return await complete(record, request, result, startedAt)
    } catch (error) {
      const message = isChartError(error) ? error.message : INTERNAL_FAILURE
      if (!isChartError(error)) log.error({ err: error, requestId: record.requestId }, 'chart generation failed')
      const completedAt = Date.now()
      const processingTime = completedAt - startedAt
      record = history.update(record.requestId, { status: 'failed', completedAt, processingTime, error: message }) ?? record
      publish(record, 'failed', `Chart generation failed for ${request.symbol}: ${message}`, { error: message }, processingTime)
      return { ok: false, record, message }
    }
  }

  return {
    engineName: engine.name,
    turns,
    generate,
    status: (requestId, owner) => {
      const record = history.get(requestId)
      return record?.owner === owner ? record : undefined
    },
    recent: (limit, owner) => history.recent(limit, owner),
    listSymbols: async (query) => await engine.listSymbols(query),
    imageUrl,
    async readImage (record) {
      if (record.imageFile === null) return null
      try {
        return await readFile(join(history.chartsDir, record.imageFile))
      } catch {
        return null
      }
    }
  }
}
