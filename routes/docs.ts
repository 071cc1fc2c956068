/**
 * `GET /docs`: the OpenAPI document (plugins/external/openapi.ts) as a browsable page (@fastify/swagger-ui), with the
 * document itself at `/docs/json` and `/docs/yaml`. The page's own routes are left out of the document.
 */
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { declareAccess } from '../plugins/security.js'

export default async function docsRoutes (fastify: FastifyInstance): Promise<void> {
  // A page like the others: it and its document describe the routes (as README does); what they describe is protected.
  fastify.addHook('onRoute', declareAccess('page'))
  await fastify.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    // swagger-ui's inline scripts need its own CSP; it is served only on its own page.
    staticCSP: true
  })
}
