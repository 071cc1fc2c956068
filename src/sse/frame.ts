/**
 * SSE wire format (WHATWG HTML, "Server-sent events", §9.2.5 "Parsing an event stream").
 *
 * Frames are encoded once into a Buffer and the same Buffer is written to every channel that gets the event: event
 * ids come from one per-process sequence (see event-id.ts), so a broadcast frame is byte-identical for all channels
 * and neither the JSON nor the UTF-8 encoding is repeated per client.
 */

/**
 * One event: `id` (null: none, e.g. the closing event, so Last-Event-ID stays on the last real event), `event` (so browsers can `addEventListener(name)`), one `data` line, blank line.
 * `json` must come from JSON.stringify, which escapes line breaks inside strings, so a single `data:` line is exact.
 * `retryMs` adds a `retry:` field (reconnection time) for the client's EventSource.
 */
export function encodeEvent (id: string | null, event: string, json: string, retryMs?: number): Buffer {
  const retry = retryMs === undefined ? '' : `retry: ${retryMs}\n`
  return Buffer.from(`${retry}${id === null ? '' : `id: ${id}\n`}event: ${event}\ndata: ${json}\n\n`)
}

/**
 * A comment line: ignored by every SSE parser, but it is traffic, so proxies and clients with idle timeouts
 * (nginx proxy_read_timeout 60 s, load balancers, undici bodyTimeout 300 s) never cut a quiet stream.
 */
export const KEEPALIVE_FRAME: Buffer = Buffer.from(': keepalive\n\n')
