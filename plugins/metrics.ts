import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { addOpenCountSource, collectProcessMetrics } from '../src/metrics.js'

/**
 * Feeds this app's open channels and MCP sessions to the process's Prometheus gauges (src/metrics.ts) until
 * it closes, and turns on prom-client's process metrics. routes/metrics.ts serves them.
 */
export default fp(async function metricsPlugin (fastify: FastifyInstance) {
  collectProcessMetrics()
  const remove = addOpenCountSource({
    channels: () => ({ events: fastify.channels.clientCount, sse: fastify.seedStreams.clientCount }),
    sessions: () => fastify.mcp.sessions.size
  })
  fastify.addHook('onClose', async () => { remove() })
}, { name: 'metrics', dependencies: ['sse-channels', 'mcp-sessions'] })
