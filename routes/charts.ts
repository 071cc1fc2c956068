/**
 * Stored chart images at /charts/<requestId>.png|jpg, from the history's image store (DATA_DIR/charts, IMAGE_DIR or
 * Redis), so any instance serves any image. Names are request ids, so an image never changes once written: cache it
 * for a day — privately, as each belongs to one principal. An image belongs to the principal that made it: anyone
 * else gets the same 404 as for an image that does not exist.
 */
import type { FastifyInstance } from 'fastify'

const IMAGE_PATH = /^(req_\d+_[0-9a-f]+)\.(png|jpg)$/
const MIME_TYPES = { png: 'image/png', jpg: 'image/jpeg' } as const

export default async function chartImageRoutes (fastify: FastifyInstance): Promise<void> {
  const { history } = fastify.core
  fastify.get<{ Params: { '*': string } }>('/charts/*', { config: { access: 'chart-image' } }, async (request, reply) => {
    const file = request.params['*']
    const match = IMAGE_PATH.exec(file)
    if (match === null) return reply.callNotFound()
    // Open mode: every caller is the same (null) principal.
    const record = await history.get(match[1])
    if (record === undefined || record.owner !== (request.principal?.id ?? null) || record.imageFile !== file) return reply.callNotFound()
    const etag = `"${file}"`
    reply.header('cache-control', 'private, max-age=86400, immutable').header('etag', etag)
    if (request.headers['if-none-match'] === etag) return await reply.code(304).send()
    const image = await history.images.read(file)
    if (image === null) return reply.callNotFound()
    return await reply.type(MIME_TYPES[match[2] as keyof typeof MIME_TYPES]).send(image)
  })
}
