/** What every connector factory takes. */
import type { Logger } from 'pino'

export interface ConnectorOptions {
  baseUrl: string
  /** Per request (MARKET_FETCH_TIMEOUT_MS). */
  timeoutMs: number
  /** Longest 429 wait honoured inside a chart request (MARKET_MAX_RETRY_WAIT_MS). */
  maxRetryWaitMs: number
  log: Logger
  /** Clock for symbol-list caching; tests pass a fake one. */
  now?: () => number
}

/** A value fetched once and kept for `ttlMs` (a provider's product list); a failed load is not kept. */
export function cachedLoader<T> (ttlMs: number, now: () => number, load: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  let cached: { at: number, value: T } | undefined
  return async (signal) => {
    if (cached !== undefined && now() - cached.at < ttlMs) return cached.value
    const value = await load(signal)
    cached = { at: now(), value }
    return value
  }
}
