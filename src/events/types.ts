/**
 * Events that travel on the bus. Seed 004's `chart_progress` format is the contract:
 * `{type, requestId, message, timestamp, processingTime?, data: {symbol, status, ...}}`.
 */
export const CHART_STATUSES = ['queued', 'started', 'requesting', 'retrying', 'rendering', 'completed', 'failed'] as const
export type ChartStatus = typeof CHART_STATUSES[number]

export const ENGINE_NAMES = ['local', 'chart-img'] as const

export interface ChartProgressEvent {
  type: 'chart_progress'
  requestId: string
  message: string
  /** ISO 8601 */
  timestamp: string
  /** Milliseconds from start to completion/failure; only on `completed` and `failed`. */
  processingTime?: number
  data: {
    symbol: string
    status: ChartStatus
    /** Engine that does the work. */
    engine?: typeof ENGINE_NAMES[number]
    error?: string
    attempt?: number
    delayMs?: number
    imageUrl?: string
  }
}

/**
 * What the bus carries. `clientId` routes the event to one per-client channel (the caller that asked for the chart);
 * `null` broadcasts it to every channel, as seed 004 did for callers that gave no client id.
 */
export interface BusMessage {
  clientId: string | null
  event: ChartProgressEvent
}
