import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/package-root.js'

const STATIC_DIR = join(PACKAGE_ROOT, 'static')

export default fp(async function staticPagesPlugin (fastify: FastifyInstance) {
  // index.html is the chat page; the chart studio keeps its files beside it and answers at /studio, so its relative
  // URLs (style.css, app.js, mcp/…) still resolve from the root.
  await fastify.register(fastifyStatic, { root: STATIC_DIR, prefix: '/', index: ['index.html'], wildcard: false })
  fastify.get('/studio', async (_request, reply) => await reply.sendFile('studio.html'))
}, { name: 'static-pages' })
