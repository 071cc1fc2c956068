/**
 * The one place that talks HTTP to Chart-IMG: daily cap, throttle, timeout, retries and error mapping for every
 * call (renders and symbol listings alike), so no call can skip a rule. The API key only ever goes into the
 * `x-api-key` header (v2/v3 auth, shared/reference/chart-img-api.md); it is redacted from any upstream text we repeat.
 */
import type { Logger } from 'pino'
import { ChartError } from '../../chart/errors.js'
import type { RenderStage } from '../../chart/engine.js'
import type { DailyUsage } from './daily-usage.js'
import { PLAN_LIMITS, assertUnderDailyCap, utcDay, type PlanName } from './plan-limits.js'
import {
  MAX_RETRY_AFTER_MS, RETRYABLE_STATUSES, backoffDelay, isRetryableNetworkError, networkErrorCode, parseRetryAfter
} from './retry-policy.js'
import { TokenBucket, TokenBucketClosedError } from './token-bucket.js'
import { readUpstreamMessage, redactKey, statusError } from './upstream-errors.js'
import { metrics } from '../../metrics.js'

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>

// Requests leave at 90% of the plan's sustained rate: our clock and Chart-IMG's differ, and network jitter can
// bunch two requests sent 1 s apart into 0.9 s on arrival.
const THROTTLE_RATE_MARGIN = 0.9

export interface UpstreamClientOptions {
  apiKey: string
  baseUrl: string
  plan: PlanName
  /** Per attempt. */
  timeoutMs: number
  maxAttempts: number
  usage: DailyUsage
  log: Logger
  sleep: Sleep
  now: () => number
  random?: () => number
  /**
   * Bytes one response body may have (CHART_IMG_MAX_RESPONSE_BYTES). A larger body is cut off as it arrives and the
   * call fails, so one bad answer cannot take hundreds of MB of memory. Default DEFAULT_MAX_RESPONSE_BYTES.
   */
  maxResponseBytes?: number
  /**
   * While an attempt waits for Chart-IMG, a `requesting` stage is repeated this often (default 15 s), so progress
   * events keep flowing and proxies with idle limits (AWS ALB: 60 s) do not cut a long call.
   */
  heartbeatMs?: number
}

/**
 * The largest Chart-IMG image is a 3840×2160 PNG (MEGA/ULTRA/ENTERPRISE plans, chart-img-api.md), a few MB; 32 MiB
 * leaves room for any real answer and still bounds a runaway one.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
export const DEFAULT_HEARTBEAT_MS = 15_000

/** A response body larger than the cap: not retried (the same request would get the same answer). */
class ResponseTooLargeError extends Error {
  constructor (readonly limit: number) {
    super(`response body larger than ${limit} bytes`)
    this.name = 'ResponseTooLargeError'
  }
}

export interface UpstreamCall {
  method: 'GET' | 'POST'
  /** Path below the base URL, e.g. /v2/tradingview/advanced-chart. */
  path: string
  query?: Record<string, string>
  body?: unknown
  signal?: AbortSignal
  onStage?: (stage: RenderStage) => void
  /** Non-2xx statuses the caller handles itself (returned instead of thrown). */
  acceptStatuses?: readonly number[]
  /** Named in error messages. */
  symbol?: string
  interval?: string
}

export interface UpstreamResponse {
  status: number
  /** Lower-case media type without parameters, e.g. image/png. */
  contentType: string
  body: Buffer
}

export class UpstreamClient {
  readonly #options: UpstreamClientOptions
  readonly #base: URL
  readonly #throttle: TokenBucket
  readonly #closing = new AbortController()
  #authRejected = false

  constructor (options: UpstreamClientOptions) {
    this.#options = options
    this.#base = new URL(options.baseUrl)
    const limits = PLAN_LIMITS[options.plan]
    this.#throttle = new TokenBucket({ ratePerSecond: limits.ratePerSecond * THROTTLE_RATE_MARGIN, burst: limits.burst })
  }

  /** True when the last answer from Chart-IMG was an AUTH rejection (cleared by the next 2xx). */
  get authRejected (): boolean {
    return this.#authRejected
  }

  get closed (): boolean {
    return this.#closing.signal.aborted
  }

  /** `text` with the API key replaced, for repeating upstream text. */
  redact (text: string): string {
    return redactKey(text, this.#options.apiKey)
  }

  async usedToday (): Promise<number> {
    return await this.#options.usage.count(utcDay(this.#options.now()))
  }

  /** Cancels every waiting and running call (they reject with CANCELLED). Idempotent. */
  close (): void {
    if (this.closed) return
    this.#closing.abort()
    this.#throttle.close()
  }

  /** Sends one logical call, with up to maxAttempts HTTP attempts. Resolves with a 2xx (or accepted) answer. */
  async call (call: UpstreamCall): Promise<UpstreamResponse> {
    const { maxAttempts, log } = this.#options
    const signal = call.signal === undefined ? this.#closing.signal : AbortSignal.any([this.#closing.signal, call.signal])
    const url = this.#url(call)
    const stage = (s: RenderStage): void => {
      try { call.onStage?.(s) } catch { /* a progress listener must not break the call */ }
    }

    for (let attempt = 1; ; attempt++) {
      await this.#gate(signal, call, stage)
      stage({ status: 'requesting', attempt, message: `Requesting from Chart-IMG (attempt ${attempt} of ${maxAttempts})` })

      const timeout = AbortSignal.timeout(this.#options.timeoutMs)
      const started = performance.now()
      const heartbeat = this.#heartbeat(stage, attempt, started)
      let response: Response
      let body: Buffer
      try {
        response = await fetch(url, {
          method: call.method,
          headers: this.#headers(call),
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          // fetch would replay x-api-key to wherever a redirect points (only Authorization is dropped cross-origin).
          redirect: 'manual',
          signal: AbortSignal.any([signal, timeout])
        })
        body = await readCapped(response, this.#options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES)
      } catch (error) {
        if (error instanceof ResponseTooLargeError) {
          log.warn({ path: call.path, attempt, limit: error.limit }, 'Chart-IMG response too large; cut off')
          throw new ChartError('UPSTREAM',
            `Chart-IMG sent a response larger than ${formatBytes(error.limit)}, so it was cut off and not used. ` +
            'Try a smaller chart (width/height), or raise CHART_IMG_MAX_RESPONSE_BYTES if such images are expected.', { cause: error })
        }
        if (signal.aborted || timeout.aborted) throw this.#abortError(call, timeout, attempt, error)
        metrics.chartImgCalls.inc({ status: 'network_error' })
        const code = networkErrorCode(error) ?? 'network error'
        log.warn({ path: call.path, attempt, code }, 'Chart-IMG connection failed')
        if (isRetryableNetworkError(error) && attempt < maxAttempts) {
          await this.#retryPause(signal, call, stage, attempt, backoffDelay(attempt, undefined, this.#options.random), code)
          continue
        }
        throw new ChartError('UPSTREAM',
          `Could not reach Chart-IMG at ${this.#base.origin} (${code})${attempts(attempt)}. Check CHART_IMG_BASE_URL and the network.`,
          { cause: error })
      } finally {
        clearInterval(heartbeat)
      }

      const status = response.status
      metrics.chartImgCalls.inc({ status: String(status) })
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase()
      log.debug({ method: call.method, path: call.path, attempt, status, ms: Math.round(performance.now() - started) }, 'Chart-IMG answered')
      if (response.ok || call.acceptStatuses?.includes(status) === true) {
        if (response.ok) this.#authRejected = false
        return { status, contentType, body }
      }

      if (status >= 300 && status < 400) {
        const location = response.headers.get('location') ?? 'nowhere'
        throw new ChartError('UPSTREAM',
          `Chart-IMG answered ${status} redirecting to ${this.redact(location)}; redirects are not followed so the API key ` +
          'is not sent elsewhere. Check CHART_IMG_BASE_URL (e.g. https instead of http).')
      }
      const upstreamMessage = redactKey(readUpstreamMessage(body, contentType), this.#options.apiKey)
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.#options.now())
      const retryAfterSeconds = retryAfterMs === null ? undefined : Math.ceil(retryAfterMs / 1000)
      const canRetry = RETRYABLE_STATUSES.has(status) && attempt < maxAttempts &&
        (retryAfterMs === null || retryAfterMs <= MAX_RETRY_AFTER_MS)
      if (canRetry) {
        const delay = retryAfterMs ?? backoffDelay(attempt, undefined, this.#options.random)
        await this.#retryPause(signal, call, stage, attempt, delay, upstreamMessage === '' ? `${status}` : `${status} ${upstreamMessage}`)
        continue
      }
      const error = statusError({
        status,
        upstreamMessage,
        plan: this.#options.plan,
        symbol: call.symbol,
        interval: call.interval,
        path: call.path,
        attempts: attempt,
        retryAfterSeconds
      })
      if (error.code === 'AUTH') this.#authRejected = true
      log.warn({ path: call.path, attempt, status, code: error.code }, 'Chart-IMG call failed')
      throw error
    }
  }

  /** Repeats the `requesting` stage every heartbeatMs while one attempt waits for its answer; cleared by the caller. */
  #heartbeat (stage: (s: RenderStage) => void, attempt: number, started: number): NodeJS.Timeout {
    const every = this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS
    return setInterval(() => {
      const seconds = Math.round((performance.now() - started) / 1000)
      stage({ status: 'requesting', attempt, message: `Still waiting for Chart-IMG (attempt ${attempt} of ${this.#options.maxAttempts}, ${seconds} s so far)` })
    }, every).unref()
  }

  /** Daily cap, then the throttle, then the cap again and the count: the request is spent from here on. */
  async #gate (signal: AbortSignal, call: UpstreamCall, stage: (s: RenderStage) => void): Promise<void> {
    const { plan, usage, now } = this.#options
    if (signal.aborted) throw this.#abortError(call, null, 0, signal.reason)
    assertUnderDailyCap(plan, await usage.count(utcDay(now())), now())
    try {
      await this.#throttle.acquire(signal, (estimatedMs) => {
        stage({ status: 'queued', delayMs: estimatedMs, message: `Waiting for the ${plan} plan's rate limit (about ${estimatedMs} ms)` })
      })
    } catch (error) {
      throw this.#abortError(call, null, 0, error)
    }
    // Counted first, then checked: instances sharing the count (Redis) cannot both take the cap's last request.
    const day = utcDay(now())
    const total = await usage.increment(day)
    try {
      assertUnderDailyCap(plan, total - 1, now())
    } catch (error) {
      await usage.decrement(day)
      throw error
    }
  }

  async #retryPause (signal: AbortSignal, call: UpstreamCall, stage: (s: RenderStage) => void, attempt: number, delayMs: number, reason: string): Promise<void> {
    const next = attempt + 1
    stage({
      status: 'retrying',
      attempt: next,
      delayMs,
      message: `Chart-IMG answered ${reason}; retrying in ${(delayMs / 1000).toFixed(1)} s (attempt ${next} of ${this.#options.maxAttempts})`
    })
    this.#options.log.warn({ path: call.path, attempt, delayMs, reason }, 'Chart-IMG call will be retried')
    try {
      await this.#options.sleep(delayMs, signal)
    } catch (error) {
      if (signal.aborted) throw this.#abortError(call, null, attempt, error)
      throw error
    }
    if (signal.aborted) throw this.#abortError(call, null, attempt, signal.reason)
  }

  #abortError (call: UpstreamCall, timeout: AbortSignal | null, attempt: number, cause: unknown): ChartError {
    if (this.closed || cause instanceof TokenBucketClosedError) {
      return new ChartError('CANCELLED', 'The Chart-IMG engine closed before the request finished.', { cause })
    }
    if (call.signal?.aborted === true) return new ChartError('CANCELLED', 'The request was cancelled.', { cause })
    if (timeout?.aborted === true) {
      return new ChartError('TIMEOUT',
        `Chart-IMG did not answer within ${this.#options.timeoutMs} ms${attempt > 1 ? ` (attempt ${attempt})` : ''}. ` +
        'It may be busy; try again, or raise CHART_IMG_TIMEOUT_MS.', { cause })
    }
    return new ChartError('CANCELLED', 'The request was cancelled.', { cause })
  }

  #url (call: UpstreamCall): URL {
    // Join paths by hand: `new URL('/v2/…', base)` would drop a path prefix in CHART_IMG_BASE_URL (e.g. a proxy).
    const url = new URL(this.#base.href.replace(/\/+$/, '') + call.path)
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value)
    return url
  }

  #headers (call: UpstreamCall): Record<string, string> {
    const headers: Record<string, string> = { 'x-api-key': this.#options.apiKey }
    if (call.body !== undefined) headers['content-type'] = 'application/json'
    return headers
  }
}

/**
 * The body, read chunk by chunk and abandoned (the stream cancelled, the socket freed) as soon as it passes `limit`:
 * `arrayBuffer()` would buffer a body of any size first. A Content-Length above the limit fails before any read.
 */
async function readCapped (response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw new ResponseTooLargeError(limit)
  }
  if (response.body === null) return Buffer.alloc(0)
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new ResponseTooLargeError(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size)
}

function formatBytes (bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB` : `${bytes} bytes`
}

function attempts (n: number): string {
  return n > 1 ? ` after ${n} attempts` : ''
}
