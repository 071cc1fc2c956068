/**
 * Health for monitoring: `GET /mcp/health` (seed 004) and `GET /health` (seed 000's REST surface) report the same
 * facts. 200 when charts can be made (ok or degraded), 503 when they cannot. `GET /mcp/health/ready` is readiness for
 * load balancers: 503 also while the shared store (Redis) is unreachable (src/health.ts isReady).
 */
import type { FastifyInstance } from 'fastify'
import { isReady } from '../src/health.js'

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
    reasons: { type: 'array', items: { type: 'string' } },
    redis: {
      type: 'object',
      required: ['reachable', 'latencyMs', 'subscribed'],
      properties: { reachable: { type: 'boolean' }, latencyMs: { type: ['number', 'null'] }, subscribed: { type: 'boolean' } }
    }
  }
} as const

const readiness = {
  type: 'object',
  required: ['ready', 'status', 'reasons'],
  properties: {
    ready: { type: 'boolean' },
    status: { type: 'string', enum: ['ok', 'degraded', 'unavailable'] },
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
  fastify.get('/mcp/health/ready', { config: { access: 'health' }, schema: { response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
    const health = await fastify.core.health()
    const ready = isReady(health)
    return await reply.code(ready ? 200 : 503).header('cache-control', 'no-store').send({ ready, status: health.status, reasons: health.reasons ?? [] })
  })
}
