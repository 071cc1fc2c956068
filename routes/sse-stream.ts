/**
 * Seed 000's `GET /sse` as a session a client can talk to. The stream carries unnamed `data:` messages with a `type`
 * (src/sse/wire-format.ts): `connection` first — its `messagesUrl` names where to POST requests — then `heartbeat` every
 * HEARTBEAT_MS, the answers to the client's requests and chart progress as JSON-RPC data messages, `error` for what
 * failed outside a request, `close` when the server shuts down. `raw` is never sent: no child process writes here.
 *
 * `POST /sse/<streamId>/messages` takes one JSON-RPC request (initialize, tools/list, tools/call) and answers 202 at
 * once; the JSON-RPC response arrives on the stream (seed 000's "Data Messages"), answered by the same methods as the
 * JSON-RPC routes (src/jsonrpc-methods.ts). The stream id is minted here (128 random bits), never chosen by a client,
 * so only whoever holds the stream can post to it; it dies with the stream (404 afterwards). A tools/call's progress
 * arrives on the same stream: chart_progress notifications always, `notifications/progress` when the request carries
 * `_meta.progressToken`. Pending calls are cancelled when the stream closes, or by `notifications/cancelled`.
 *
 * With REDIS_URL the POST may land on any instance: one for a stream held elsewhere is relayed to its holder
 * (src/mcp/relayed-streams.ts) and answered 202 there as here.
 *
 * Pass `?clientId=` to choose the id that X-Client-Id calls elsewhere route their progress to; without one the
 * server makes one and says it in the connection message. Replay, backpressure and limits are the per-client channel
 * machinery of routes/events.ts.
 */
import { randomBytes } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { classifyRequestError } from '../src/http/request-errors.js'
import { CLIENT_ID_PATTERN, CLIENT_ID_RULE } from '../src/mcp/client-id.js'
import { createError, JSONRPC_ERRORS, jsonRpcErrorOf, requestIdOf, type JsonRpcFailure } from '../src/jsonrpc.js'
import type { SharedSessions } from '../src/mcp/shared-sessions.js'
import { createJsonRpcMethods } from '../src/jsonrpc-methods.js'
import type { Channel } from '../src/sse/channel.js'
import { encodeUnnamedMessage } from '../src/sse/wire-format.js'
import { openChannelStream, tooManyClientsSchema } from './events.js'
import { acceptJsonBodiesOnly } from './json-bodies.js'
import { refuseUnscopedCall } from './mcp-http.js'

/** Requests of one stream answered at once at most; more get 429 (a stream is one client, not a work queue). */
export const MAX_PENDING_PER_STREAM = 8

/** The message endpoint of a stream, as the connection message names it. */
export function messagesPath (streamId: string): string {
  return `/sse/${streamId}/messages`
}

interface StreamSession {
  channel: Channel
  /** In-flight requests by JSON-RPC id, to cancel them (stream closed, notifications/cancelled). */
  pending: Map<string | number, AbortController>
}

const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

export default async function sseStreamRoutes (fastify: FastifyInstance): Promise<void> {
  const sessions = new Map<string, StreamSession>()
  const answer = createJsonRpcMethods(fastify.tools)
  const shared = fastify.hasDecorator('mcp') ? fastify.mcp.shared : undefined

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
    const streamId = randomBytes(16).toString('base64url')
    const channel = await openChannelStream(request, reply, fastify.seedStreams, clientId, { remember: chosen !== undefined, messagesUrl: messagesPath(streamId) })
    if (channel === null) return
    const session: StreamSession = { channel, pending: new Map() }
    sessions.set(streamId, session)
    // A stream-bound session's POSTs may land on any instance (REDIS_URL): those are relayed here and handled as a
    // local POST (a refusal — request id in flight, too many pending — goes on the stream: the POST was answered 202).
    const unannounce = shared?.streams.open('sse', streamId, channel.binding.owner, (post) => {
      const failure = dispatch(session, post.body, post.principal, request.log as unknown as Logger)
      if (failure !== null) fastify.seedStreams.sendTo(channel, (eventId) => encodeUnnamedMessage(eventId, failure.error))
    })
    reply.sse.onClose(() => {
      unannounce?.()
      sessions.delete(streamId)
      for (const controller of session.pending.values()) controller.abort(new Error('stream closed'))
    })
  })

  /**
   * One client message of a stream, POSTed here or relayed from another instance: notifications are acted on, requests
   * answered on the stream. Null when accepted (202), else the refusal.
   */
  function dispatch (session: StreamSession, body: unknown, principal: string | null, log: Logger): { status: 409 | 429, error: JsonRpcFailure } | null {
    const id = requestIdOf(body)
    const send = (message: unknown): boolean => fastify.seedStreams.sendTo(session.channel, (eventId) => encodeUnnamedMessage(eventId, message))

    // Notifications get no answer (JSON-RPC 2.0 §4.1); the two MCP ones a client sends here are understood.
    if (isNotification(body)) {
      if (body.method === 'notifications/cancelled') {
        const requestId = (body.params as { requestId?: unknown } | undefined)?.requestId
        if (typeof requestId === 'string' || typeof requestId === 'number') session.pending.get(requestId)?.abort(new Error('cancelled by the client'))
      }
      return null
    }
    if (id !== null && session.pending.has(id)) {
      return { status: 409, error: createError(id, JSONRPC_ERRORS.INVALID_REQUEST, `Request id ${JSON.stringify(id)} is still in flight on this stream; use a new id`) }
    }
    if (session.pending.size >= MAX_PENDING_PER_STREAM) {
      return {
        status: 429,
        error: createError(id, JSONRPC_ERRORS.SERVER_ERROR, `This stream already has ${MAX_PENDING_PER_STREAM} requests in flight; wait for an answer before sending more`)
      }
    }

    const controller = new AbortController()
    if (id !== null) session.pending.set(id, controller)
    answer(null, {
      body,
      principal,
      clientIdHeader: session.channel.clientId,
      log,
      signal: controller.signal,
      notify: (notification) => { send(notification) }
    }).then((response) => {
      // A cancelled request gets no answer (MCP spec, utilities/cancellation); anything else does.
      if (controller.signal.aborted) return
      // A failure no request id can carry (not a JSON-RPC request at all) is seed 000's `error` message.
      if ('error' in response && response.id === null) {
        send({ type: 'error', code: response.error.code, message: response.error.message, timestamp: new Date().toISOString() })
      } else {
        send(response)
      }
    }, (error: unknown) => {
      // answer() never rejects (src/jsonrpc-methods.ts); this is the guard that keeps the promise handled.
      log.error({ err: error }, '/sse request failed')
      send({ type: 'error', message: 'Internal error', timestamp: new Date().toISOString() })
    }).finally(() => {
      if (id !== null && session.pending.get(id) === controller) session.pending.delete(id)
    })
    return null
  }

  /** A message for a stream another instance holds (REDIS_URL): relayed there if it is the caller's, else 404. */
  async function relay (request: FastifyRequest, reply: FastifyReply, streamId: string, body: unknown): Promise<FastifyReply> {
    let relayed: boolean
    try {
      relayed = await (shared as SharedSessions).streams.forward('sse', streamId, { body, principal: request.principal?.id ?? null })
    } catch (error) {
      request.log.warn({ err: error }, 'relaying an /sse message failed')
      return await reply.code(503).send(createError(requestIdOf(body), JSONRPC_ERRORS.SERVER_ERROR, 'Session store unreachable: retry shortly'))
    }
    return relayed ? await reply.code(202).send() : await notFound(reply, body)
  }

  // A child scope: its JSON-only body parser and JSON-RPC error handler must not reach GET /sse, whose 400 is the
  // app's `{ error, statusCode }`.
  await fastify.register(async function sseMessageRoutes (scope) {
    acceptJsonBodiesOnly(scope)
    scope.setErrorHandler(async (error: FastifyError, request, reply) => {
      const failure = classifyRequestError(error)
      if (failure.kind === 'internal') request.log.error({ err: error }, '/sse message route failed')
      return await reply.code(failure.status).send(jsonRpcErrorOf(failure))
    })

    scope.post<{ Params: { streamId: string } }>('/sse/:streamId/messages', { config: { access: 'json-rpc' } }, async (request, reply) => {
      const { streamId } = request.params
      const principal = request.principal?.id ?? null
      const found = STREAM_ID_PATTERN.test(streamId) ? sessions.get(streamId) : undefined
      // Another principal's stream answers as a closed one does (no existence oracle).
      const session = found?.channel.binding.owner === principal ? found : undefined
      const body = request.body
      if (session === undefined && (shared === undefined || found !== undefined || !STREAM_ID_PATTERN.test(streamId))) return await notFound(reply, body)
      // A tools/call of a tool that makes something needs charts:write, as on POST /mcp/tools/call.
      const refused = refuseUnscopedCall(fastify, request, reply, body)
      if (refused !== null) return await refused
      if (session === undefined) return await relay(request, reply, streamId, body)
      const failure = dispatch(session, body, principal, request.log as unknown as Logger)
      if (failure !== null) {
        if (failure.status === 429) reply.header('retry-after', '1')
        return await reply.code(failure.status).send(failure.error)
      }
      return await reply.code(202).send()
    })
  })
}

async function notFound (reply: FastifyReply, body: unknown): Promise<FastifyReply> {
  return await reply.code(404).send(createError(requestIdOf(body), JSONRPC_ERRORS.SERVER_ERROR,
    'No open /sse stream has this id (it closed, or never existed): open GET /sse and POST to the messagesUrl its connection message names'))
}

function isNotification (body: unknown): body is { method: string, params?: unknown } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false
  const candidate = body as Record<string, unknown>
  return candidate.jsonrpc === '2.0' && typeof candidate.method === 'string' && candidate.method.startsWith('notifications/') && !('id' in candidate)
}
