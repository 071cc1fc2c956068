/**
 * Turns the bus's `chart_progress` events of one chart request into that call's progress updates (ToolContext
 * .progress), which each surface delivers its own way (MCP notifications/progress, nothing on REST). Progress is tied
 * to the call that asked for it, never to a session-wide stream.
 */
import type { EventBus } from '../events/bus.js'
import type { ChartProgressEvent, ChartStatus } from '../events/types.js'
import type { ProgressUpdate } from './types.js'

// Rough share of the work done at each stage; values are kept strictly increasing (spec: progress MUST increase).
const STAGE_PROGRESS: Record<ChartStatus, number> = {
  started: 5,
  queued: 15,
  requesting: 30,
  retrying: 35,
  rendering: 50,
  completed: 100,
  failed: 100
}
export const PROGRESS_TOTAL = 100

type ProgressListener = (event: ChartProgressEvent) => void

/**
 * One bus subscription for every call in flight, routing by requestId. A subscription per call made every event
 * visit every call (and the bus copy its listener set per event): O(calls) per event, O(calls²) for a burst.
 */
const routers = new WeakMap<EventBus, Map<string, Set<ProgressListener>>>()

function followRequest (bus: EventBus, requestId: string, listener: ProgressListener): () => void {
  let routes = routers.get(bus)
  if (routes === undefined) {
    const byRequest = new Map<string, Set<ProgressListener>>()
    routes = byRequest
    routers.set(bus, byRequest)
    bus.subscribe((message) => {
      const listeners = byRequest.get(message.event.requestId)
      if (listeners !== undefined) for (const deliver of listeners) deliver(message.event)
    })
  }
  const byRequest = routes
  let listeners = byRequest.get(requestId)
  if (listeners === undefined) byRequest.set(requestId, listeners = new Set())
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && byRequest.get(requestId) === listeners) byRequest.delete(requestId)
  }
}

/**
 * Reports the progress of chart request `requestId` to `report` until the returned function is called (idempotent).
 * `onEvent` sees every event relayed (e.g. for logging).
 */
export function relayChartProgress (bus: EventBus, requestId: string, report: (update: ProgressUpdate) => void, onEvent?: (event: ChartProgressEvent) => void): () => void {
  let last = 0
  return followRequest(bus, requestId, (event) => {
    const progress = Math.min(PROGRESS_TOTAL, Math.max(STAGE_PROGRESS[event.data.status], last + 1))
    if (progress <= last) return
    last = progress
    report({ progress, total: PROGRESS_TOTAL, message: event.message })
    onEvent?.(event)
  })
}
