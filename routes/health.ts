/**
 * Health for monitoring: `GET /mcp/health` (seed 004) and `GET /health` (seed 000's REST surface) report the same
 * facts. 200 when charts can be made (ok or degraded), 503 when they cannot.
 */
import type { FastifyInstance } from 'fastify'

const report = {
  type: 'object',
  required: ['status', 'timestamp', 'clientCount', 'chartServiceConfigured', 'engine', 'uptime', 'version'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'] },
    timestamp: { type: 'string' },
    clientCount: { type: 'integer' },
    chartServiceConfigured: { type: 'boolean' },
    engine: { type: 'string', enum: ['local', 'chart-img'] },
    engineDetail: { type: 'string' },
    uptime: { type: 'integer' },
    version: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } }
  }
} as const

export default async function healthRoutes (fastify: FastifyInstance): Promise<void> {
  for (const url of ['/mcp/health', '/health']) {
    fastify.get(url, { config: { access: 'health' }, schema: { response: { 200: report, 503: report } } }, async (_request, reply) => {
      const health = await fastify.core.health()
      return await reply.code(health.status === 'unavailable' ? 503 : 200).header('cache-control', 'no-store').send(health)
    })
  }
}
