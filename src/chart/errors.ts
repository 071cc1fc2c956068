/**
 * Errors a user (or model) can act on. A ChartError becomes a tool result with `isError: true` and its message;
 * anything else is logged and reported as a generic failure.
 */
export type ChartErrorCode =
  | 'INVALID_REQUEST' // the request cannot be drawn as asked (bad study input, range outside the data…)
  | 'UNKNOWN_SYMBOL'
  | 'UNSUPPORTED_INTERVAL'
  | 'UNSUPPORTED_STYLE'
  | 'UNSUPPORTED_STUDY'
  | 'PLAN_LIMIT' // refused before spending a Chart-IMG call, or Chart-IMG's 403 limit
  | 'AUTH' // Chart-IMG key missing, invalid or inactive
  | 'RATE_LIMITED'
  | 'UPSTREAM' // Chart-IMG failed (5xx, bad response)
  | 'TIMEOUT'
  | 'BUSY' // the render queue is full
  | 'CANCELLED'
  | 'RENDER_FAILED'

export class ChartError extends Error {
  readonly code: ChartErrorCode
  /** Seconds after which trying again may work (BUSY, RATE_LIMITED). */
  readonly retryAfterSeconds?: number

  constructor (code: ChartErrorCode, message: string, options: { cause?: unknown, retryAfterSeconds?: number } = {}) {
    super(message, { cause: options.cause })
    this.name = 'ChartError'
    this.code = code
    this.retryAfterSeconds = options.retryAfterSeconds
  }
}

export function isChartError (error: unknown): error is ChartError {
  return error instanceof ChartError
}

/** Refused at intake or before a render started, while the server drains for shutdown: nothing was spent. */
export const SHUTTING_DOWN_MESSAGE = 'The chart server is shutting down (a restart or deploy), so this chart was not started; nothing was spent. Try again in a few seconds.'

/** A BUSY error for work refused because the server is shutting down: the retry hint covers a restart. */
export function shuttingDownError (): ChartError {
  return new ChartError('BUSY', SHUTTING_DOWN_MESSAGE, { retryAfterSeconds: 5 })
}
