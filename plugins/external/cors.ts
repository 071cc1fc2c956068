import cors from '@fastify/cors'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { isLoopbackHost } from '../../src/config.js'
import { declareAccess } from '../security.js'

// Localhost pages may call a loopback-bound server; anything else must be listed in ALLOWED_ORIGINS (never `*`).
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/

export default fp(async function corsPlugin (fastify: FastifyInstance) {
  const { ALLOWED_ORIGINS, HOST } = fastify.config
  const allowLocal = isLoopbackHost(HOST)
  // The one route @fastify/cors adds (OPTIONS *, answered in its hook) is public like every preflight.
  const declarePreflight = declareAccess('cors-preflight')
  fastify.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS' && route.url === '*' && route.config?.access === undefined) declarePreflight(route)
  })
  await fastify.register(cors, {
    origin: (origin, callback) => {
      if (origin === undefined) return callback(null, false)
      callback(null, ALLOWED_ORIGINS.includes(origin) || (allowLocal && LOCAL_ORIGIN.test(origin)))
    },
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['content-type', 'accept', 'authorization', 'x-client-id', 'last-event-id', 'mcp-session-id', 'mcp-protocol-version'],
    exposedHeaders: ['mcp-session-id', 'mcp-protocol-version', 'retry-after'],
    maxAge: 600
  })
}, { name: 'cors', dependencies: ['config'] })
