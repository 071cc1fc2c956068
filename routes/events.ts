import { fastifySSE } from '@fastify/sse'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from '../src/mcp/client-id.js'
import type { Channel } from '../src/sse/channel.js'
import type { FrameSink } from '../src/sse/frame-sink.js'
import type { ChannelRegistry, PreparedChannel } from '../src/sse/registry.js'
import { admitToChannel, CHANNEL_RETRY_AFTER_SECONDS, channelQuotaMessage, type ChannelAdmission } from '../src/sse/channel-access.js'
import { quotaKeyOf } from '../src/auth/quota.js'

/** Same shape as the app's error handler (src/app.ts): `error` is the text a person reads. */
export const tooManyClientsSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' }
  },
  required: ['statusCode', 'code', 'error']
} as const

/**
 * `GET /mcp/events/:clientId`: the per-client SSE channel of seed 004 (events `connected`, `heartbeat`,
 * `chart_progress`, plus `events_missed`; see src/sse/channel-events.ts). Needs `fastify.channels`
 * (plugins/sse-channels.ts). Registers @fastify/sse in this encapsulated scope unless an ancestor already did.
 *
 * @fastify/sse owns the stream's lifecycle: Accept negotiation (406 for clients that refuse text/event-stream),
 * headers (incl. `X-Accel-Buffering: no`), close detection and ending. Frames are written to `reply.raw` by the
 * channel itself rather than through `reply.sse.send()`: send() formats and serialises per call and allocates a
 * promise per write, while a broadcast here writes one pre-encoded Buffer to 10,000 streams.
 */
export default async function eventsRoutes (fastify: FastifyInstance): Promise<void> {
  if (!fastify.hasDecorator('channels')) {
    throw new Error('routes/events.ts needs fastify.channels: register plugins/sse-channels.ts first')
  }
  if (!fastify.hasPlugin('@fastify/sse')) await fastify.register(fastifySSE)
  // find-my-way answers 404 for a path parameter longer than maxParamLength (default 100), before any schema runs.
  const maxParamLength = fastify.initialConfig.routerOptions?.maxParamLength ?? 100
  if (maxParamLength <= 128) {
    fastify.log.warn({ maxParamLength }, 'set routerOptions.maxParamLength above 128: longer clientIds get 404 instead of a 400 or a stream')
  }

  fastify.get<{ Params: { clientId: string } }>('/mcp/events/:clientId', {
    config: { access: 'events' },
    // Our own shared heartbeat/keep-alive timers replace @fastify/sse's one-timer-per-stream heartbeat.
    sse: { kind: 'only', heartbeat: false },
    // Fastify's automatic HEAD route would run this handler and open a stream that can never carry anything.
    exposeHeadRoute: false,
    schema: {
      params: {
        type: 'object',
        properties: { clientId: { type: 'string', pattern: CLIENT_ID_PATTERN.source } },
        required: ['clientId']
      },
      // 400 (bad clientId) is shaped by the app's error handler, so it has no schema here.
      response: { 404: tooManyClientsSchema, 409: tooManyClientsSchema, 429: tooManyClientsSchema, 503: tooManyClientsSchema }
    },
    schemaErrorFormatter: () => new Error(CLIENT_ID_RULE)
  }, async (request, reply) => {
    await openChannelStream(request, reply, fastify.channels, request.params.clientId)
  })
}

/**
 * Attaches one SSE response to a channel registry: a refusal (404 another principal's channel, 409 a live channel
 * without proof of receipt, 429 per-principal quota, 503 + Retry-After at the global limit; src/sse/channel-access.ts),
 * else the stream headers and the channel's first events. Shared by `/mcp/events/:clientId` and seed 000's `/sse`
 * (routes/sse-stream.ts). Returns the channel, or null when no stream was opened.
 *
 * With REDIS_URL a refused stream leaves no trace in Redis: what this instance can decide alone is checked first, the
 * quota slot is reserved next (the registry's quota counts every instance's streams), and only then is the channel
 * loaded and claimed (`prepare`), which writes nothing for a channel of another owner.
 */
export async function openChannelStream (request: FastifyRequest, reply: FastifyReply, channels: ChannelRegistry, clientId: string, options: { remember?: boolean, messagesUrl?: string } = {}): Promise<Channel | null> {
  const owner = request.principal?.id ?? null
  const caller = { principal: owner, quotaKey: quotaKeyOf(owner, request.ip) }
  const local = admitToChannel(channels, clientId, caller, reply.sse.lastEventId)
  if (!local.ok) return await refuse(request, reply, channels, local)
  // No await without a shared quota: the single-instance path stays as it was.
  const reserving = channels.reserve(caller.quotaKey, clientId)
  const slot = reserving instanceof Promise ? await reserving : reserving
  if (slot === null) {
    return await refuse(request, reply, channels, { ok: false, status: 429, code: 'SSE_CHANNEL_QUOTA', retryAfterSeconds: CHANNEL_RETRY_AFTER_SECONDS, error: channelQuotaMessage(channels.maxClientsPerKey) })
  }
  let prepared: PreparedChannel | undefined
  // With REDIS_URL the channel lives in Redis: load it (and number this stream's connected event) first. Without it,
  // nothing to wait for.
  const preparing = channels.prepare(clientId, owner)
  if (preparing !== undefined) {
    try {
      prepared = await preparing
    } catch (error) {
      slot.release()
      request.log.warn({ err: error, clientId }, 'SSE replay log (Redis) unreachable: stream refused')
      reply.header('Retry-After', String(CHANNEL_RETRY_AFTER_SECONDS))
      await reply.code(503).send({ statusCode: 503, code: 'SSE_STORE_UNAVAILABLE', error: `The event store is unreachable; retry in ${CHANNEL_RETRY_AFTER_SECONDS} seconds (your events are kept).` })
      return null
    }
    // The channel as stored: its owner may be another principal (on another instance).
    const stored = admitToChannel(channels, clientId, caller, reply.sse.lastEventId, prepared)
    if (!stored.ok) {
      channels.discard(prepared)
      slot.release()
      return await refuse(request, reply, channels, stored)
    }
  }
  // A client that left before we got here: no stream, nothing to register (and nothing for Fastify to send).
  if (reply.raw.destroyed) {
    slot.release()
    if (prepared !== undefined) channels.discard(prepared)
    return null
  }

  // no-transform: compressing or rewriting proxies must pass events through as they come (RFC 9111 §5.2.2.6).
  reply.header('Cache-Control', 'no-cache, no-transform')
  reply.sse.keepAlive()
  // Headers first: a push-style handler that returns before its first write would give an empty 200.
  reply.sse.sendHeaders()
  // A stream that cannot be resumed (server-made id, remember: false) has nothing to replay: its Last-Event-ID (sent by
  // EventSource after a restart) would only produce an events_missed warning about events it could never have had.
  const lastEventId = options.remember === false ? null : reply.sse.lastEventId
  const channel = channels.open(clientId, new ResponseSink(reply), lastEventId, { ...options, owner, quotaKey: caller.quotaKey, prepared, slot })
  // The slot goes with the stream; a reconnect that replaced it took the slot over (ChannelRegistry.open).
  reply.sse.onClose(() => { channels.release(channel) })
  request.log.debug({ clientId, clients: channels.clientCount }, 'SSE stream opened')
  return channel
}

async function refuse (request: FastifyRequest, reply: FastifyReply, channels: ChannelRegistry, refusal: Exclude<ChannelAdmission, { ok: true }>): Promise<null> {
  const { status, code, error, retryAfterSeconds } = refusal
  request.log.warn({ status, code, clients: channels.clientCount }, 'SSE stream refused')
  if (retryAfterSeconds !== undefined) reply.header('Retry-After', String(retryAfterSeconds))
  await reply.code(status).send({ statusCode: status, code, error })
  return null
}

/** The HTTP response as a FrameSink. A class, not an object of closures: there is one per open stream. */
class ResponseSink implements FrameSink {
  readonly #reply: FastifyReply

  constructor (reply: FastifyReply) {
    this.#reply = reply
  }

  write (chunk: Buffer): boolean {
    return this.#reply.raw.write(chunk)
  }

  onceDrain (callback: () => void): void {
    this.#reply.raw.once('drain', callback)
  }

  get writableLength (): number {
    return this.#reply.raw.writableLength
  }

  /** Through @fastify/sse, which ends the response and runs its close callbacks. */
  end (): void {
    this.#reply.sse.close()
  }

  destroy (): void {
    this.#reply.raw.destroy()
  }
}
