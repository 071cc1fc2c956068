/** `GET /metrics`: Prometheus text exposition of src/metrics.ts (the same names on every instance). */
import type { FastifyInstance } from 'fastify'
import { metricsRegistry } from '../src/metrics.js'

export default async function metricsRoutes (fastify: FastifyInstance): Promise<void> {
  fastify.get('/metrics', { config: { access: 'metrics' } }, async (_request, reply) => {
    const body = await metricsRegistry.metrics()
    return await reply.header('content-type', metricsRegistry.contentType).header('cache-control', 'no-store').send(body)
  })
}
