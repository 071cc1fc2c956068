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
    // MCP's request headers (2025 sessions and resumability; 2026-07-28 adds Mcp-Method/Mcp-Name, which the SDK
    // checks against the body, so a browser that cannot send them gets -32020 — n8n-io/n8n#35471).
    allowedHeaders: ['content-type', 'accept', 'authorization', 'x-client-id', 'last-event-id', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name'],
    // What a browser client must read: the session id, the negotiated version, the auth challenge, resumption ids.
    exposedHeaders: ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate', 'last-event-id', 'retry-after'],
    maxAge: 600
  })
}, { name: 'cors', dependencies: ['config'] })
