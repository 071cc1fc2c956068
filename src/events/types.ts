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
 * `null` broadcasts it to every channel of the same owner (seed 004 broadcast to all; open mode still does).
 */
export interface BusMessage {
  clientId: string | null
  /**
   * The principal whose request this is (null or absent in open mode). Only that principal's channels get it, whether it is
   * addressed to one (clientId) or broadcast.
   */
  owner?: string | null
  event: ChartProgressEvent
  /**
   * Set by the Redis bus, never by a publisher (src/events/redis-store-publish.ts): the event's number in the
   * cluster's replay store; 0 when it was not stored (no instance knows the channel). Absent on the memory bus, and
   * from an instance that does not number events (an older version during a rolling deploy): such a message is
   * delivered live with an id of the receiving instance, and is not replayable.
   */
  seq?: number
}
