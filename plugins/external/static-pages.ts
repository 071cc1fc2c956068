import fastifyStatic from '@fastify/static'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { join } from 'node:path'
import { PACKAGE_ROOT } from '../../src/package-root.js'

const STATIC_DIR = join(PACKAGE_ROOT, 'static')

export default fp(async function staticPagesPlugin (fastify: FastifyInstance) {
  await fastify.register(fastifyStatic, { root: STATIC_DIR, prefix: '/', index: ['index.html'], wildcard: false })
}, { name: 'static-pages' })
