/**
 * Turns the bus's `chart_progress` events for one tool call into that call's MCP notifications:
 * `notifications/progress` (when the caller sent a progressToken) and `notifications/message` logs. Progress is
 * tied to the request that asked for it, never to a session-wide stream.
 */
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js'
import type { EventBus } from '../events/bus.js'
import type { ChartProgressEvent, ChartStatus } from '../events/types.js'
import type { RequestLogger } from './request-logging.js'

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

// Rough share of the work done at each stage; the relay keeps values strictly increasing (spec: progress MUST increase).
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

export interface ProgressRelay {
  /** Starts relaying events of this request id (pass as the chart service's onAccepted). */
  follow: (requestId: string) => void
  /** Resolves when every notification queued so far has been handed to the transport. */
  settled: () => Promise<void>
  /** Stops listening; idempotent. */
  stop: () => void
}

type ProgressListener = (event: ChartProgressEvent) => void

/**
 * One bus subscription for every call in flight, routing by requestId. A subscription per call made every event
 * visit every call (and the bus copy its listener set per event): O(calls) per event, O(calls²) for a burst.
 */
const routers = new WeakMap<EventBus, Map<string, Set<ProgressListener>>>()

function followRequest (bus: EventBus, requestId: string, listener: ProgressListener): () => void {
  let byRequest = routers.get(bus)
  if (byRequest === undefined) {
    const routes = new Map<string, Set<ProgressListener>>()
    byRequest = routes
    routers.set(bus, routes)
    bus.subscribe((message) => {
      const listeners = routes.get(message.event.requestId)
      if (listeners !== undefined) for (const deliver of listeners) deliver(message.event)
    })
  }
  const routes = byRequest
  let listeners = routes.get(requestId)
  if (listeners === undefined) routes.set(requestId, listeners = new Set())
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
    if (listeners.size === 0 && routes.get(requestId) === listeners) routes.delete(requestId)
  }
}

export function createProgressRelay (bus: EventBus, extra: ToolExtra, log: RequestLogger): ProgressRelay {
  const progressToken = extra._meta?.progressToken
  let last = 0
  let chain: Promise<void> = Promise.resolve()
  let unsubscribe: () => void = () => {}

  function relay (event: ChartProgressEvent): void {
    const { status, error } = event.data
    const progress = Math.min(PROGRESS_TOTAL, Math.max(STAGE_PROGRESS[status], last + 1))
    if (progress <= last) return
    last = progress
    chain = chain.then(async () => {
      if (progressToken !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress, total: PROGRESS_TOTAL, message: event.message }
        })
      }
      await log(status === 'failed' ? 'error' : 'info', { requestId: event.requestId, status, message: event.message, ...(error === undefined ? {} : { error }) })
    }).catch(() => {
      // The client went away mid-call; the result (if any) will fail the same way. Nothing to report here.
    })
  }

  return {
    follow (requestId) {
      unsubscribe = followRequest(bus, requestId, relay)
    },
    settled: async () => { await chain },
    stop: () => { unsubscribe() }
  }
}
