/**
 * How a channel registry writes its events on the wire. The registry decides what happens (connected, heartbeat,
 * chart progress, events missed, closing); a format decides how it looks. Two formats share one implementation of
 * routing, replay, backpressure and timers:
 * - NAMED_EVENTS: seed 004's `/mcp/events/:clientId` — named events (`event: chart_progress`) with seed 004 payloads.
 * - SEED_000_MESSAGES: seed 000's `/sse` — unnamed `data:` messages with a `type` field (`onmessage` and
 *   `iter_lines()` clients), chart progress as JSON-RPC notifications (seed 000's "data messages").
 */
import type { ChartProgressEvent } from '../events/types.js'
import { CHANNEL_EVENT, type CloseEvent, type ConnectedEvent, type EventsMissedEvent, type HeartbeatEvent } from './channel-events.js'
import { encodeEvent } from './frame.js'

export type ChannelPayload =
  | { name: 'connected', payload: ConnectedEvent }
  | { name: 'heartbeat', payload: HeartbeatEvent }
  | { name: 'chart_progress', payload: ChartProgressEvent }
  | { name: 'events_missed', payload: EventsMissedEvent }

export interface WireFormat {
  /** One event, encoded once; the same Buffer goes to every channel that gets it. */
  frame: (id: string, event: ChannelPayload, retryMs?: number) => Buffer
  /** Written to each open stream just before the server ends it on shutdown, with `retry:` (reconnection delay). */
  closing: (retryMs: number) => Buffer
}

export const NAMED_EVENTS: WireFormat = {
  frame: (id, event, retryMs) => encodeEvent(id, CHANNEL_EVENT[nameKey(event.name)], JSON.stringify(event.payload), retryMs),
  closing: (retryMs) => {
    const close: CloseEvent = { type: 'close', reason: 'server_shutdown', timestamp: new Date().toISOString() }
    return encodeEvent(null, CHANNEL_EVENT.close, JSON.stringify(close), retryMs)
  }
}

function nameKey (name: ChannelPayload['name']): keyof typeof CHANNEL_EVENT {
  switch (name) {
    case 'connected': return 'connected'
    case 'heartbeat': return 'heartbeat'
    case 'chart_progress': return 'chartProgress'
    case 'events_missed': return 'eventsMissed'
  }
}

/** An unnamed event: `id:` (so Last-Event-ID resumes work here too) and one `data:` line. */
function unnamed (id: string | null, json: string, retryMs?: number): Buffer {
  const retry = retryMs === undefined ? '' : `retry: ${retryMs}\n`
  return Buffer.from(`${retry}${id === null ? '' : `id: ${id}\n`}data: ${json}\n\n`)
}

function seed000Message (event: ChannelPayload): unknown {
  switch (event.name) {
    case 'connected':
      return { type: 'connection', status: 'connected', clientId: event.payload.clientId, messagesUrl: event.payload.messagesUrl, timestamp: event.payload.timestamp }
    case 'heartbeat':
      return event.payload
    case 'chart_progress':
      // Seed 000's data messages are the MCP server's JSON-RPC output; progress is a JSON-RPC notification.
      return { jsonrpc: '2.0', method: 'notifications/chart_progress', params: event.payload }
    case 'events_missed':
      return {
        type: 'error',
        message: `Some chart progress events were missed (${event.payload.reason}); call get_recent_requests to refresh.`,
        detail: event.payload
      }
  }
}

/** One seed 000 message (`connection`, `error`, a JSON-RPC data message…) as an unnamed event with `id:`. */
export function encodeUnnamedMessage (id: string, message: unknown): Buffer {
  return unnamed(id, JSON.stringify(message))
}

export const SEED_000_MESSAGES: WireFormat = {
  frame: (id, event, retryMs) => unnamed(id, JSON.stringify(seed000Message(event)), retryMs),
  // Seed 000's close message; code 0 = the server ended the stream normally (it is shutting down).
  closing: (retryMs) => unnamed(null, JSON.stringify({ type: 'close', code: 0, timestamp: new Date().toISOString() }), retryMs)
}
