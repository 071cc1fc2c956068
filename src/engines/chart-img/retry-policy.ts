/**
 * When to try a Chart-IMG call again and how long to wait first.
 * Retry only what can succeed unchanged (shared/reference/chart-img-api.md, Errors): 429, the 5xx a gateway or an
 * overloaded upstream gives (500, 502, 503, 504; RFC 9110 §15.6 — 502/503 are the typical answers of a proxy or a
 * restarting upstream, so they get the same policy as 500/504) and connection failures. 400/401/403/404/422 are answers about the request itself and never change on retry.
 */

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])

// undici wraps socket failures in `TypeError: fetch failed` with a `cause` carrying one of these codes.
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ECONNABORTED', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED'
])

export interface BackoffOptions {
  baseMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 8000 }

/**
 * The longest Retry-After we sleep through. A tool call that waits minutes looks hung to a person; beyond this we
 * give the caller RATE_LIMITED with the upstream's Retry-After instead (a daily-cap 429 may say "come back tomorrow").
 */
export const MAX_RETRY_AFTER_MS = 60_000

/** Exponential backoff with "equal jitter": half the step fixed, half random, so retries of many callers spread out. */
export function backoffDelay (attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(step / 2 + random() * step / 2)
}

/** Parses Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) into ms from now; null when absent or invalid. */
export function parseRetryAfter (value: string | null, nowMs: number): number | null {
  if (value === null) return null
  const trimmed = value.trim()
  if (trimmed === '') return null
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // An HTTP-date always names a month (and usually a weekday); without one, Date.parse would accept "-5" as a year.
  if (!/[A-Za-z]{3}/.test(trimmed)) return null
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - nowMs)
}

/** The code of a network failure thrown by fetch (looks through `cause` chains), or null. */
export function networkErrorCode (error: unknown): string | null {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return null
}

export function isRetryableNetworkError (error: unknown): boolean {
  const code = networkErrorCode(error)
  if (code !== null) return RETRYABLE_NETWORK_CODES.has(code)
  // A body cut off mid-stream surfaces as `TypeError: terminated` without a code on some undici versions.
  return error instanceof TypeError && /terminated|other side closed|socket/i.test(error.message)
}
