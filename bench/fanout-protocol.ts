/**
 * The control messages between bench/fanout.ts and its server children (bench/fanout-server.ts, ours;
 * bench/baselines/sse-fanout-server.ts, the baseline), over the child-process IPC channel.
 */
export type ToServer =
  | { type: 'publish', round: number }
  | { type: 'stats' }

export type FromServer =
  | { type: 'listening', port: number }
  | { type: 'stats', rss: number, heapUsed: number, heapTotal: number, external: number, clients: number }
  /** After a publish: how long the server's synchronous fan-out loop took (ms). */
  | { type: 'published', round: number, loopMs: number }

/** The broadcast event of round `round`; the same bytes on both servers. */
export function benchEvent (round: number): {
  type: 'chart_progress'
  requestId: string
  message: string
  timestamp: string
  data: { symbol: string, status: 'completed', engine: 'local' }
  processingTime: number
} {
  return {
    type: 'chart_progress',
    requestId: `bench-${round}`,
    message: 'Chart generation completed for NASDAQ:AAPL',
    timestamp: new Date().toISOString(),
    processingTime: 2847,
    data: { symbol: 'NASDAQ:AAPL', status: 'completed', engine: 'local' }
  }
}

/** Memory after two full collections (the child runs with --expose-gc), so figures compare live data, not garbage. */
export function memoryStats (clients: number): FromServer {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  gc?.()
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage()
  return { type: 'stats', rss, heapUsed, heapTotal, external, clients }
}
