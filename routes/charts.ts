/**
 * Stored chart images at /charts/<requestId>.png|jpg, straight from DATA_DIR/charts (names are request ids, so
 * files never change once written: cache them for a day).
 */
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

export default async function chartImageRoutes (fastify: FastifyInstance): Promise<void> {
  await fastify.register(fastifyStatic, {
    root: fastify.core.history.chartsDir,
    prefix: '/charts/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: 86_400_000,
    immutable: true,
    allowedPath: (pathName) => /^\/req_\d+_[0-9a-f]+\.(png|jpg)$/.test(pathName)
  })
}
