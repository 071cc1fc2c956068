import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/package-root.js'
import { declareAccess } from '../security.js'

const STATIC_DIR = join(PACKAGE_ROOT, 'static')

export default fp(async function staticPagesPlugin (fastify: FastifyInstance) {
  // In a scope of their own so the pages (and only they) are declared public; what they fetch is not.
  // index.html is the chat page; the chart studio keeps its files beside it and answers at /studio, so its relative
  // URLs (style.css, app.js, mcp/…) still resolve from the root.
  await fastify.register(async function staticPages (scope) {
    scope.addHook('onRoute', declareAccess('page'))
    await scope.register(fastifyStatic, { root: STATIC_DIR, prefix: '/', index: ['index.html'], wildcard: false })
    scope.get('/studio', async (_request, reply) => await reply.sendFile('studio.html'))
  })
}, { name: 'static-pages' })
