/**
 * Seed 000's `GET /sse`: unnamed `data:` messages with a `type` — `connection` first, `heartbeat` every
 * HEARTBEAT_MS, chart progress as JSON-RPC notifications (`notifications/chart_progress`), `error` when events were
 * missed, `close` when the server shuts down (src/sse/wire-format.ts). `raw` is never sent: there is no child process
 * whose non-JSON output could need it. Pass `?clientId=` to choose the id that X-Client-Id calls route to; without
 * one the server makes one and says it in the connection message. Everything else (replay, backpressure, limits)
 * is the per-client channel machinery of routes/events.ts.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from '../src/mcp/client-id.js'
import { openChannelStream, tooManyClientsSchema } from './events.js'

export default async function seedSseRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get<{ Querystring: { clientId?: string } }>('/sse', {
    config: { access: 'sse' },
    sse: { kind: 'only', heartbeat: false },
    exposeHeadRoute: false,
    schema: {
      querystring: {
        type: 'object',
        properties: { clientId: { type: 'string', pattern: CLIENT_ID_PATTERN.source } },
        additionalProperties: false
      },
      response: { 404: tooManyClientsSchema, 409: tooManyClientsSchema, 429: tooManyClientsSchema, 503: tooManyClientsSchema }
    },
    schemaErrorFormatter: () => new Error(CLIENT_ID_RULE)
  }, async (request, reply) => {
    // An id made here is never presented again (EventSource reconnects to the same /sse URL and gets a new one), so
    // its replay buffer is dropped at disconnect rather than kept, and fed every broadcast, for nothing.
    const chosen = request.query.clientId
    const clientId = chosen ?? `sse_${randomBytes(8).toString('hex')}`
    await openChannelStream(request, reply, fastify.seedStreams, clientId, { remember: chosen !== undefined })
  })
}
