import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * First step of a graceful shutdown (src/server.ts), before `close()`: the socket keeps listening and every new
     * request gets a clean 503 (not a reset); chart work drains (core.drain: new and queued charts refused, running
     * ones finish by `deadlineMs`, then are aborted and still answered). Resolves when every chart has answered.
     */
    drain: (deadlineMs: number) => Promise<{ finished: number, aborted: number }>
    /** True from the start of `drain`. */
    readonly draining: boolean
  }
}

/** Seconds a client should wait before retrying: long enough for a restart, short enough for a person. */
const RETRY_AFTER_SECONDS = 5
const SHUTTING_DOWN_BODY = JSON.stringify({
  statusCode: 503,
  code: 'SHUTTING_DOWN',
  error: `The server is shutting down (a restart or deploy); retry in ${RETRY_AFTER_SECONDS} seconds.`
})

/**
 * Drain before close. Fastify's own `return503OnClosing` only helps once `close()` has begun, and by then the
 * listening socket is closed, so a request 50 ms after SIGTERM got a connection reset. Here the 503 comes while the
 * socket still listens, with `Connection: close` so keep-alive clients reconnect (to another instance or to the
 * restarted one) instead of reusing a connection that is about to go.
 */
export default fp(async function drainPlugin (fastify: FastifyInstance) {
  let draining = false
  fastify.decorate('draining', { getter: () => draining })
  fastify.addHook('onRequest', async (request, reply) => {
    if (!draining) return
    request.log.info('refused: the server is draining for shutdown')
    // Sent as text: a route's own 503 response schema (health, SSE limits) describes other bodies.
    await reply.code(503).header('connection', 'close').header('retry-after', String(RETRY_AFTER_SECONDS))
      .type('application/json; charset=utf-8').send(SHUTTING_DOWN_BODY)
    return reply
  })
  // Answers to calls that were already in flight also close their connection, so no client reuses it.
  fastify.addHook('onSend', async (_request, reply, payload) => {
    if (draining && !reply.raw.headersSent) reply.header('connection', 'close')
    return payload
  })
  fastify.decorate('drain', async (deadlineMs: number) => {
    draining = true
    return await fastify.core.drain(deadlineMs)
  })
}, { name: 'drain', dependencies: ['core'] })
