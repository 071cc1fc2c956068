import { fastifySSE } from '@fastify/sse'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

/** @fastify/sse on the root, so every SSE route shares it. Its heartbeat is off: channels send their own keep-alives. */
export default fp(async function ssePlugin (fastify: FastifyInstance) {
  await fastify.register(fastifySSE, { heartbeatInterval: 0 })
}, { name: 'sse' })
