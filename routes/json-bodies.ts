/**
 * Body handling shared by the JSON route plugins (routes/jsonrpc.ts, routes/rest.ts). Not a route plugin itself.
 */
import type { FastifyInstance } from 'fastify'

/**
 * In an encapsulated route plugin: only `application/json` bodies are read (any other Content-Type is Fastify's 415,
 * FST_ERR_CTP_INVALID_MEDIA_TYPE: Fastify would otherwise also parse text/plain), with Fastify's own JSON parser,
 * which keeps its prototype-poisoning protection. An empty body is `undefined` rather than an error, so
 * `curl -X POST -H 'content-type: application/json' …/health_check` means "no arguments" and an empty JSON-RPC body
 * gets -32600 from the envelope check rather than a parse error.
 */
export function acceptJsonBodiesOnly (fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if ((body as string).trim() === '') {
      done(null, undefined)
      return
    }
    parseJson(request, body as string, done)
  })
}
