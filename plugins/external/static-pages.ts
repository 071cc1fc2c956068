import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/package-root.js'
import { declareAccess } from '../security.js'

const STATIC_DIR = join(PACKAGE_ROOT, 'static')

export default fp(async function staticPagesPlugin (fastify: FastifyInstance) {
  // In a scope of their own so the pages (and only they) are declared public; what they fetch is not.
  await fastify.register(async function staticPages (scope) {
    scope.addHook('onRoute', declareAccess('page'))
    await scope.register(fastifyStatic, { root: STATIC_DIR, prefix: '/', index: ['index.html'], wildcard: false })
  })
}, { name: 'static-pages' })
