/**
 * Stored chart images at /charts/<requestId>.png|jpg, straight from DATA_DIR/charts (names are request ids, so
 * files never change once written: cache them for a day — privately, as each belongs to one principal).
 * An image belongs to the principal that made it: anyone else gets the same 404 as for an image that does not exist.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { declareAccess } from '../plugins/security.js'

const IMAGE_PATH = /^\/(req_\d+_[0-9a-f]+)\.(png|jpg)$/

export default async function chartImageRoutes (fastify: FastifyInstance): Promise<void> {
  const { history } = fastify.core
  fastify.addHook('onRoute', declareAccess('chart-image'))
  await fastify.register(fastifyStatic, {
    root: history.chartsDir,
    prefix: '/charts/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: 86_400_000,
    immutable: true,
    setHeaders: (reply) => { reply.header('cache-control', 'private, max-age=86400, immutable') },
    allowedPath: (pathName, _root, request) => {
      const match = IMAGE_PATH.exec(pathName)
      if (match === null) return false
      // Open mode: every caller is the same (null) principal.
      return history.get(match[1])?.owner === (request.principal?.id ?? null)
    }
  })
}
