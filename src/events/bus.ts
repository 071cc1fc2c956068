import type { ClusterSequence } from '../redis/event-sequence.js'
import type { BusMessage } from './types.js'

export type BusListener = (message: BusMessage) => void

/**
 * Carries chart events from the chart service to every surface (per-client SSE channels, MCP progress notifications).
 * Implementations: in-memory (one process) and Redis pub/sub (several instances behind a proxy).
 */
export interface EventBus {
  /** Delivers to every subscriber (in every instance, for Redis). Never throws because of a listener. */
  publish: (message: BusMessage) => Promise<void>
  /** Returns an idempotent unsubscribe. Each listener runs in its own try/catch: one failing listener cannot stop delivery. */
  subscribe: (listener: BusListener) => () => void
  /**
   * The Redis bus with a replay store: the cluster's event numbering, which this process's channel logs share
   * (src/sse/redis-channel-log.ts). Absent on the memory bus.
   */
  readonly sequence?: ClusterSequence
  /**
   * Why this process may miss events published elsewhere (the Redis bus is not subscribed: reconnecting), or null.
   * Readiness fails meanwhile (src/health.ts). Absent on the memory bus, which cannot miss any.
   */
  problem?: () => string | null
  /** Ends connections; idempotent. */
  close: () => Promise<void>
}
