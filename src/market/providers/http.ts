/**
 * The HTTP side every connector shares: one request-rate limiter per provider (p-throttle), a timeout per request,
 * 429/418 answers honoured by waiting for their Retry-After (or the provider's own hint) when that is short, and
 * failures turned into ProviderError with a reason a person can act on. Secrets never appear in messages or logs:
 * keys travel in headers, and logged URLs carry only the path and the non-secret query.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import pThrottle from 'p-throttle'
import type { Logger } from 'pino'
import type { DailyQuota } from './daily-quota.js'

export type ProviderErrorKind = 'unreachable' | 'rate-limited' | 'rejected' | 'unknown-symbol' | 'bad-response' | 'cancelled'

/** A provider call that failed; `message` names the provider and says why. */
export class ProviderError extends Error {
  readonly kind: ProviderErrorKind
  readonly status?: number
  /** How long the provider asked us to wait (429/418), when it said. */
  readonly retryAfterMs?: number

  constructor (kind: ProviderErrorKind, message: string, options: { status?: number, retryAfterMs?: number, cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'ProviderError'
    this.kind = kind
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
  }
}

export function isProviderError (error: unknown): error is ProviderError {
  return error instanceof ProviderError
}

/** What a connector reads from an answer that is not a success (HTTP status, or an error inside a 200 body). */
export interface ProviderFailure {
  kind: Exclude<ProviderErrorKind, 'unreachable' | 'cancelled'>
  message: string
  retryAfterMs?: number
}

export interface ProviderHttpOptions {
  /** Provider name for messages, e.g. "Binance". */
  name: string
  baseUrl: string
  /** Requests allowed per window, kept below the provider's documented limit (see each REFERENCE.md). */
  rate: { limit: number, intervalMs: number }
  timeoutMs: number
  /** Longest rate-limit wait honoured inside one chart request; a longer one fails with its retry hint. */
  maxRetryWaitMs: number
  /** Attempts per request for 429 and 5xx answers. */
  maxAttempts: number
  /** A daily request quota (./daily-quota.ts), spent as each request leaves the limiter, so a refused one is never sent. */
  quota?: DailyQuota
  /** Headers sent with every request (an API key header). Never logged. */
  headers?: Record<string, string>
  /** Reads a failure from an answer: called for every non-2xx status and for every 2xx body. */
  failure: (status: number, body: unknown, headers: Headers) => ProviderFailure | undefined
  log: Logger
}

export interface ProviderHttp {
  /** GETs `path?query` and returns the parsed JSON body of a success. Throws ProviderError. */
  getJson: (path: string, query: Record<string, string>, signal: AbortSignal) => Promise<unknown>
  /**
   * Rejects the requests still waiting for their turn and stops the limiter's timer: a request cancelled while
   * queued leaves p-throttle's timer armed (it has no per-call abort), which would keep the process alive for up
   * to one rate window (a minute for Twelve Data) after the server closed.
   */
  close: () => void
}

/** Seconds or an HTTP date (RFC 9110 §10.2.3), as milliseconds from now. */
export function parseRetryAfter (value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

export function createProviderHttp (options: ProviderHttpOptions): ProviderHttp {
  const { name, log } = options
  const base = options.baseUrl.replace(/\/+$/, '')
  const closing = new AbortController()
  const throttle = pThrottle({ limit: options.rate.limit, interval: options.rate.intervalMs, signal: closing.signal })
  const send = throttle(async (url: string, signal: AbortSignal): Promise<Response> => {
    // A chart cancelled while waiting for its turn spends nothing.
    signal.throwIfAborted()
    await options.quota?.spend()
    return await fetch(url, { headers: { accept: 'application/json', ...options.headers }, signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]) })
  })

  const cancelled = (): ProviderError => new ProviderError('cancelled', `The request to ${name} was cancelled`)

  async function getJson (path: string, query: Record<string, string>, signal: AbortSignal): Promise<unknown> {
    const url = `${base}${path}?${new URLSearchParams(query).toString()}`
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw cancelled()
      const started = performance.now()
      let response: Response
      let body: unknown
      try {
        // The timeout starts when the limiter lets the request go; a cancelled chart stops waiting for its turn too.
        response = await untilAborted(send(url, signal), signal)
        const text = await response.text()
        try {
          body = text === '' ? null : JSON.parse(text)
        } catch {
          body = text
        }
      } catch (error) {
        if (signal.aborted) throw cancelled()
        if (isProviderError(error)) throw error
        const timedOut = error instanceof Error && error.name === 'TimeoutError'
        // A pooled keep-alive socket the server closed fails once (UND_ERR_SOCKET): one fresh try tells the truth.
        if (!timedOut && attempt < options.maxAttempts && describeNetworkError(error) === 'UND_ERR_SOCKET') continue
        const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : describeNetworkError(error)
        throw new ProviderError('unreachable', `${name} could not be reached (${reason})`, { cause: error })
      }
      log.debug({ provider: name, path, status: response.status, ms: Math.round(performance.now() - started) }, 'market data request')

      const failure = options.failure(response.status, body, response.headers)
      if (failure === undefined && response.ok) return body
      const status = response.status
      if (failure?.kind === 'rate-limited' || status === 429 || status === 418) {
        const retryAfterMs = failure?.retryAfterMs ?? parseRetryAfter(response.headers.get('retry-after'))
        const message = failure?.message ?? `${name} rate limit reached (HTTP ${status})`
        if (attempt < options.maxAttempts && status !== 418 && (retryAfterMs ?? 1000) <= options.maxRetryWaitMs) {
          try {
            await sleep(retryAfterMs ?? 1000, undefined, { signal, ref: false })
          } catch {
            throw cancelled()
          }
          continue
        }
        const hint = retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(retryAfterMs / 1000)} s`
        throw new ProviderError('rate-limited', `${message}${hint}`, { status, retryAfterMs })
      }
      if (status >= 500 && attempt < options.maxAttempts) {
        try {
          await sleep(250 * attempt, undefined, { signal, ref: false })
        } catch {
          throw cancelled()
        }
        continue
      }
      if (failure !== undefined) throw new ProviderError(failure.kind, failure.message, { status })
      throw new ProviderError(status >= 500 ? 'unreachable' : 'rejected', `${name} answered HTTP ${status}`, { status })
    }
  }

  return { getJson, close: () => { closing.abort(new ProviderError('cancelled', `${name} is closed`)) } }
}

/** Settles with `work`, or rejects as soon as `signal` aborts (the work itself is left to its own signal). */
async function untilAborted<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) throw signal.reason
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort as () => void)
    work.catch(() => {})
  }
}

function describeNetworkError (error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string, message?: string } | undefined) : undefined
  if (cause?.code !== undefined) return cause.code
  return error instanceof Error ? error.message : String(error)
}
