import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { fileURLToPath } from 'node:url'

// static/ sits at the package root; this file runs from plugins/external (tsx) or dist/plugins/external (compiled).
const STATIC_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../static/' : '../../static/', import.meta.url))

export default fp(async function staticPagesPlugin (fastify: FastifyInstance) {
  await fastify.register(fastifyStatic, { root: STATIC_DIR, prefix: '/', index: ['index.html'], wildcard: false })
}, { name: 'static-pages' })
