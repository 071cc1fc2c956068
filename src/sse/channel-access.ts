/**
 * Who may attach a stream to a channel (`/mcp/events/:clientId`, `/sse?clientId=`), decided before any header is sent.
 *
 * - A channel belongs to the principal that opened it first: anyone else gets 404, as for a resource that is not
 *   theirs (no 403: it would confirm the id is in use by someone).
 * - The owner may replace its own live stream (a reconnect whose old TCP connection is not yet seen dead). In open
 *   mode there is no principal to tell clients apart, so replacing a live stream needs proof of having received it:
 *   a `Last-Event-ID` the server sent on that channel (ChannelBinding). Without it → 409, and the first stream stays.
 * - Per-key quota (principal, or address in open mode) → 429; the global cap → 503.
 */
import type { ChannelRegistry, PreparedChannel } from './registry.js'

/** A slot frees whenever a client disconnects; a few seconds is enough to retry. */
export const CHANNEL_RETRY_AFTER_SECONDS = 5

export type ChannelAdmission =
  | { ok: true }
  | { ok: false, status: 404 | 409 | 429 | 503, code: string, error: string, retryAfterSeconds?: number }

export interface ChannelCaller {
  /** The authenticated principal, or null in open mode. */
  principal: string | null
  /** Key of the per-principal quota (quotaKeyOf). */
  quotaKey: string
}

/** The refusal at the per-principal stream quota (this instance's, or all instances' with REDIS_URL). */
export function channelQuotaMessage (max: number): string {
  return `You have ${max} event streams open, the most one client may hold; close one or retry in ${CHANNEL_RETRY_AFTER_SECONDS} seconds.`
}

/**
 * Without `prepared`: everything this instance can decide alone (checked before Redis is touched). With `prepared`
 * (REDIS_URL): the channel as loaded from Redis (ChannelRegistry.prepare), its stored owner and ids.
 */
export function admitToChannel (channels: ChannelRegistry, clientId: string, caller: ChannelCaller, lastEventId: string | null, prepared?: PreparedChannel): ChannelAdmission {
  if (!channels.canAccept(clientId)) {
    return { ok: false, status: 503, code: 'SSE_TOO_MANY_CLIENTS', retryAfterSeconds: CHANNEL_RETRY_AFTER_SECONDS, error: `This server has its maximum of ${channels.maxClients} event streams open; retry in ${CHANNEL_RETRY_AFTER_SECONDS} seconds.` }
  }
  const binding = channels.bindingOf(clientId, prepared)
  if (binding !== undefined && binding.owner !== caller.principal) {
    return { ok: false, status: 404, code: 'SSE_CHANNEL_NOT_FOUND', error: `No event channel ${clientId} here for you. Use a clientId of your own (initialize returns one).` }
  }
  if (caller.principal === null && channels.isLive(clientId) && !channels.provesReceipt(clientId, lastEventId, prepared)) {
    return { ok: false, status: 409, code: 'SSE_CHANNEL_IN_USE', error: `Event channel ${clientId} is open on another connection. To take it over, reconnect with the Last-Event-ID of an event it received; otherwise use another clientId.` }
  }
  // With `prepared` the caller reserved its slot before Redis was touched (ChannelRegistry.reserve).
  if (prepared === undefined && !channels.quotaAllows(caller.quotaKey, clientId)) {
    return { ok: false, status: 429, code: 'SSE_CHANNEL_QUOTA', retryAfterSeconds: CHANNEL_RETRY_AFTER_SECONDS, error: channelQuotaMessage(channels.maxClientsPerKey) }
  }
  return { ok: true }
}
