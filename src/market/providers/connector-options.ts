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
