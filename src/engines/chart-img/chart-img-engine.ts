/**
 * The Chart-IMG engine: renders through api.chart-img.com's v2 advanced-chart endpoint (image bytes or storage
 * URL) and lists symbols through v3. Plan limits are checked before a call is spent; the HTTP rules (throttle,
 * daily cap, timeout, retry, error mapping) live in UpstreamClient.
 */
import { setTimeout as delay } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { ChartEngine, EngineStatus, RenderContext, RenderResult, SymbolListing, SymbolQuery } from '../../chart/engine.js'
import { ChartError } from '../../chart/errors.js'
import { mimeTypeOf, type ChartRequest } from '../../chart/request.js'
import type { DailyUsage } from './daily-usage.js'
import { imageInfo } from './image-info.js'
import { PLAN_LIMITS, assertWithinPlan, type PlanName } from './plan-limits.js'
import { buildAdvancedChartBody } from './request-body.js'
import { createSymbolDirectory } from './symbol-listing.js'
import { createReachabilityProbe } from './reachability.js'
import { UpstreamClient, type Sleep, type UpstreamResponse } from './upstream-client.js'
import { readUpstreamMessage } from './upstream-errors.js'

export const ADVANCED_CHART_PATH = '/v2/tradingview/advanced-chart'
export const ADVANCED_CHART_STORAGE_PATH = '/v2/tradingview/advanced-chart/storage'

export interface ChartImgEngineOptions {
  /** Sent only as the `x-api-key` header; never logged or repeated. */
  apiKey: string
  /** e.g. https://api.chart-img.com (CHART_IMG_BASE_URL). */
  baseUrl: string
  /** The account's plan (CHART_IMG_PLAN): limits are checked and the rate throttled against it. */
  plan: PlanName
  /** Per HTTP attempt. */
  timeoutMs: number
  /** HTTP attempts per call, first one included (retries only for 429, 500, 502, 503, 504, connection failures). */
  maxAttempts: number
  /** Largest response body accepted (CHART_IMG_MAX_RESPONSE_BYTES); default 32 MiB. */
  maxResponseBytes?: number
  /** How often a long upstream call repeats its `requesting` progress; default 15 s. */
  heartbeatMs?: number
  /** How long symbol listings are reused. */
  symbolsTtlMs: number
  usage: DailyUsage
  log: Logger
  /** Waits between retries; injectable so tests can record long Retry-After waits. Must reject when `signal` aborts. */
  sleep?: Sleep
  /** Wall clock in ms (daily cap day, Retry-After dates, cache TTL); default Date.now. */
  now?: () => number
}

const defaultSleep: Sleep = async (ms, signal) => { await delay(ms, undefined, { signal }) }

export function createChartImgEngine (options: ChartImgEngineOptions): ChartEngine {
  const now = options.now ?? Date.now
  // src/core.ts already binds { engine: 'chart-img' }; binding it again writes the key twice on every line.
  const log = options.log
  const client = new UpstreamClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    plan: options.plan,
    timeoutMs: options.timeoutMs,
    maxAttempts: options.maxAttempts,
    maxResponseBytes: options.maxResponseBytes,
    heartbeatMs: options.heartbeatMs,
    usage: options.usage,
    log,
    sleep: options.sleep ?? defaultSleep,
    now
  })
  const symbols = createSymbolDirectory({ client, ttlMs: options.symbolsTtlMs, now })
  const reachability = createReachabilityProbe({ baseUrl: options.baseUrl, now })

  async function render (request: ChartRequest, context: RenderContext): Promise<RenderResult> {
    if (client.closed) throw new ChartError('CANCELLED', 'The Chart-IMG engine is closed.')
    if (options.apiKey === '') throw new ChartError('AUTH', 'CHART_IMG_API_KEY is not set.')
    assertWithinPlan(options.plan, request)
    const response = await client.call({
      method: 'POST',
      path: request.storage ? ADVANCED_CHART_STORAGE_PATH : ADVANCED_CHART_PATH,
      body: buildAdvancedChartBody(request),
      signal: context.signal,
      onStage: context.onStage,
      symbol: request.symbol,
      interval: request.interval
    })
    return request.storage ? storedResult(response, options.plan) : imageResult(response, request)
  }

  async function listSymbols (query: SymbolQuery): Promise<SymbolListing> {
    if (client.closed) throw new ChartError('CANCELLED', 'The Chart-IMG engine is closed.')
    return await symbols.list(query)
  }

  async function status (): Promise<EngineStatus> {
    // Answered from local state only: asking Chart-IMG would spend a request of the daily cap.
    if (options.apiKey === '') return { ready: false, detail: 'CHART_IMG_API_KEY is not set' }
    if (client.closed) return { ready: false, detail: 'Chart-IMG engine is closed' }
    if (client.authRejected) return { ready: false, detail: 'Chart-IMG rejected the API key; check CHART_IMG_API_KEY' }
    const cap = PLAN_LIMITS[options.plan].perDay
    // With REDIS_URL the count lives in Redis: while it is down health must still answer (it reports Redis itself).
    const used = await client.usedToday().then(String, () => 'unknown (the shared store is unreachable)')
    const problem = await reachability.problem()
    return {
      ready: true,
      detail: `Chart-IMG, ${options.plan} plan, ${used}${cap === null ? '' : `/${cap}`} requests used today (UTC)`,
      ...(problem === null ? {} : { problem })
    }
  }

  async function close (): Promise<void> {
    client.close()
  }

  return { name: 'chart-img', render, listSymbols, status, close }
}

function imageResult (response: UpstreamResponse, request: ChartRequest): RenderResult {
  const { contentType, body } = response
  if (contentType !== 'image/png' && contentType !== 'image/jpeg') {
    const said = readUpstreamMessage(body, contentType)
    throw new ChartError('UPSTREAM',
      `Chart-IMG answered ${response.status} with ${contentType === '' ? 'no content type' : contentType} instead of an image` +
      `${said === '' ? '' : `: ${said}`}.`)
  }
  const info = imageInfo(body)
  if (info === null || info.mimeType !== contentType) {
    throw new ChartError('UPSTREAM', `Chart-IMG said ${contentType} but sent ${body.length} bytes that are not a ${contentType === 'image/png' ? 'PNG' : 'JPEG'} image.`)
  }
  const notes: string[] = []
  const asked = mimeTypeOf(request.format)
  if (contentType !== asked) notes.push(`Asked for ${request.format}; Chart-IMG sent ${contentType}.`)
  const width = info.width ?? request.width
  const height = info.height ?? request.height
  if (width !== request.width || height !== request.height) {
    notes.push(`Asked for ${request.width}x${request.height}; Chart-IMG sent ${width}x${height}.`)
  }
  return { kind: 'image', mimeType: contentType, data: body, width, height, notes }
}

function storedResult (response: UpstreamResponse, plan: PlanName): RenderResult {
  let parsed: unknown
  try {
    parsed = JSON.parse(response.body.toString('utf8'))
  } catch {
    throw new ChartError('UPSTREAM', `Chart-IMG storage answered ${response.status} with ${response.contentType || 'no content type'}, not JSON.`)
  }
  const record = (parsed !== null && typeof parsed === 'object' ? parsed : {}) as Record<string, unknown>
  if (typeof record.url !== 'string' || !/^https?:\/\//.test(record.url)) {
    throw new ChartError('UPSTREAM', 'Chart-IMG storage answered without an image URL.')
  }
  const notes: string[] = []
  // Chart-IMG has used both names for the expiry (doc: expireAt; client code: expire).
  const expiresAt = toIsoDate(record.expireAt ?? record.expire)
  if (expiresAt === null) {
    notes.push(`Chart-IMG did not say when the stored image expires; the ${plan} plan keeps stored images ${PLAN_LIMITS[plan].storageDays} days.`)
  }
  const result: RenderResult = { kind: 'stored', url: record.url, expiresAt, notes }
  if (typeof record.etag === 'string') result.etag = record.etag
  if (typeof record.size === 'number' && Number.isFinite(record.size)) result.size = record.size
  return result
}

function toIsoDate (value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Epoch seconds vs milliseconds: 1e11 s is the year 5138, so smaller numbers are seconds.
    return new Date(value < 1e11 ? value * 1000 : value).toISOString()
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? value : new Date(ms).toISOString()
  }
  return null
}
