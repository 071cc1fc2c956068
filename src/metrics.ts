/**
 * Prometheus metrics (prom-client): one registry per process and the metric objects the code increments, free of
 * Fastify (plugins/metrics.ts serves the registry at GET /metrics). Every instance exposes the same names, so one
 * Prometheus job scrapes them all and sums or compares by instance (issue 10).
 *
 * Counters are incremented where the thing happens (src/sse/registry.ts, src/chart/service.ts, the Chart-IMG client,
 * src/redis/connection.ts). Gauges of what is open right now are read at scrape time from the apps that registered
 * a source (`addOpenCountSource`); a test process may run several apps, and the gauges then sum them.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { EventBus } from './events/bus.js'

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'chart_img_mcp_'

export const metricsRegistry = new Registry()

/** What an app has open now, read at each scrape. */
export interface OpenCountSource {
  /** Open SSE streams per surface: `events` (GET /mcp/events/:clientId), `sse` (GET /sse). */
  channels: () => Record<'events' | 'sse', number>
  /** MCP sessions (2025-era Streamable HTTP and legacy HTTP+SSE) this instance holds. */
  sessions: () => number
}

const sources = new Set<OpenCountSource>()

/** Adds an app's open counts to the gauges; returns the function that removes them (on app close). */
export function addOpenCountSource (source: OpenCountSource): () => void {
  sources.add(source)
  return () => { sources.delete(source) }
}

function sum (read: (source: OpenCountSource) => number): number {
  let total = 0
  for (const source of sources) total += read(source)
  return total
}

export const metrics = {
  openChannels: new Gauge({
    name: `${METRIC_PREFIX}open_channels`,
    help: 'SSE event streams open on this instance, by surface (events: /mcp/events/:clientId, sse: /sse)',
    labelNames: ['surface'] as const,
    registers: [metricsRegistry],
    collect () {
      for (const surface of ['events', 'sse'] as const) this.set({ surface }, sum((source) => source.channels()[surface]))
    }
  }),
  openSessions: new Gauge({
    name: `${METRIC_PREFIX}open_sessions`,
    help: 'MCP sessions held by this instance (2025-era Streamable HTTP and legacy HTTP+SSE)',
    registers: [metricsRegistry],
    collect () { this.set(sum((source) => source.sessions())) }
  }),
  eventsPublished: new Counter({
    name: `${METRIC_PREFIX}events_published_total`,
    help: 'Chart events this instance published on the event bus',
    registers: [metricsRegistry]
  }),
  eventsDelivered: new Counter({
    name: `${METRIC_PREFIX}events_delivered_total`,
    help: 'Chart events written to an open SSE stream on this instance (one per stream)',
    registers: [metricsRegistry]
  }),
  eventsDropped: new Counter({
    name: `${METRIC_PREFIX}events_dropped_total`,
    help: 'Chart events not written to a stream: no_channel (no stream or replay buffer for the client here), slow_client (the stream fell too far behind and was closed)',
    labelNames: ['reason'] as const,
    registers: [metricsRegistry]
  }),
  replays: new Counter({
    name: `${METRIC_PREFIX}replay_total`,
    help: 'Reconnections with Last-Event-ID: hit (every missed event replayed), miss (some or all could not be: events_missed sent)',
    labelNames: ['result'] as const,
    registers: [metricsRegistry]
  }),
  renderQueue: new Gauge({
    name: `${METRIC_PREFIX}render_queue`,
    help: 'Chart renders in the engine on this instance: running, or waiting for a render worker or Chart-IMG\'s rate limit',
    registers: [metricsRegistry]
  }),
  renderDuration: new Histogram({
    name: `${METRIC_PREFIX}render_duration_seconds`,
    help: 'Time to render one chart (engine call, waiting for a worker included), by engine and outcome',
    labelNames: ['engine', 'outcome'] as const,
    // Measured renders take 50-150 ms on one core (BENCHMARKS.md); Chart-IMG calls with retries take seconds.
    buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [metricsRegistry]
  }),
  chartImgCalls: new Counter({
    name: `${METRIC_PREFIX}chart_img_calls_total`,
    help: 'HTTP calls to the Chart-IMG API by response status (network_error: no response)',
    labelNames: ['status'] as const,
    registers: [metricsRegistry]
  }),
  redisErrors: new Counter({
    name: `${METRIC_PREFIX}redis_errors_total`,
    help: 'Errors reported by Redis connections, by the part of the server the connection serves',
    labelNames: ['role'] as const,
    registers: [metricsRegistry]
  })
}

let defaultsCollected = false

/** Adds prom-client's process metrics (CPU, resident memory, event-loop lag, heap) once per process. */
export function collectProcessMetrics (): void {
  if (defaultsCollected) return
  defaultsCollected = true
  collectDefaultMetrics({ register: metricsRegistry })
}

/** Counts one render in `render_queue` while it runs and times it into `render_duration_seconds`. */
export async function measureRender<T> (engine: string, render: () => Promise<T>): Promise<T> {
  const end = metrics.renderDuration.startTimer({ engine })
  metrics.renderQueue.inc()
  try {
    const result = await render()
    end({ outcome: 'ok' })
    return result
  } catch (error) {
    end({ outcome: 'failed' })
    throw error
  } finally {
    metrics.renderQueue.dec()
  }
}

/** The bus, counting what this instance publishes into `events_published_total`. */
export function countPublished (bus: EventBus): EventBus {
  return {
    publish: async (message) => {
      metrics.eventsPublished.inc()
      await bus.publish(message)
    },
    subscribe: (listener) => bus.subscribe(listener),
    close: async () => { await bus.close() },
    ...(bus.sequence === undefined ? {} : { sequence: bus.sequence })
  }
}
