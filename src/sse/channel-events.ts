/**
 * The events a per-client channel (`GET /mcp/events/:clientId`) sends besides `chart_progress`. Names and payloads
 * of `connected`, `heartbeat` and `chart_progress` are seed 004's ("SSE Event Flow"); `events_missed` is ours.
 * Every event is named (`event:` field), so `addEventListener(type)` works, and carries an `id:`.
 */

export const CHANNEL_EVENT = {
  connected: 'connected',
  heartbeat: 'heartbeat',
  chartProgress: 'chart_progress',
  eventsMissed: 'events_missed',
  close: 'close'
} as const

/** First event on every stream. */
export interface ConnectedEvent {
  type: 'connected'
  clientId: string
  /** Where the client POSTs its requests, on streams that take them (GET /sse: routes/sse-stream.ts). */
  messagesUrl?: string
  /** ISO 8601 */
  timestamp: string
}

/** Every HEARTBEAT_MS on every stream, so clients can tell a live but quiet stream from a dead one. */
export interface HeartbeatEvent {
  type: 'heartbeat'
  timestamp: string
}

/**
 * Why a reconnecting client could not get everything after its `Last-Event-ID`:
 * - `evicted`: more than SSE_REPLAY_EVENTS events were sent to this channel since; the newest ones were replayed.
 * - `expired`: this server issued the id, but the channel was disconnected too long (or too many others were) and its
 *   buffer is gone.
 * - `unknown`: this server process did not issue the id (it restarted, or a load balancer sent the reconnect to
 *   another instance), so nothing can be replayed.
 * - `no_last_event_id`: the client connected without `Last-Event-ID` (e.g. it was cut before its first event) while
 *   this channel holds events sent since its previous stream opened; which of them it saw cannot be known.
 */
export type EventsMissedReason = 'evicted' | 'expired' | 'unknown' | 'no_last_event_id'

/**
 * Sent after the replay when the replay is incomplete. The client should treat its view of chart progress as stale
 * and refresh it (e.g. the `get_recent_requests` / `get_chart_status` tools).
 */
export interface EventsMissedEvent {
  type: 'events_missed'
  clientId: string
  /** The `Last-Event-ID` the client sent (null when it sent none). */
  lastEventId: string | null
  reason: EventsMissedReason
  /** Events this channel holds that the client may not have seen (reason `no_last_event_id`). */
  buffered?: number
  /** How many events were replayed before this one. */
  replayed: number
  timestamp: string
}

/**
 * The last event of a stream the server ends because it is shutting down, sent with `retry:` so EventSource waits
 * that long before reconnecting (to the restarted server, or another instance). It has no `id:`, so the client's
 * Last-Event-ID stays the last real event and the reconnect resumes from there.
 */
export interface CloseEvent {
  type: 'close'
  reason: 'server_shutdown'
  timestamp: string
}
