/**
 * RFC 9728 Protected Resource Metadata: `/.well-known/oauth-protected-resource` (this server) and the path-suffixed
 * `/.well-known/oauth-protected-resource/mcp` (the MCP endpoint), which MCP clients find from the 401's
 * `resource_metadata` or try in that order (MCP authorization 2026-07-28). Served only when OAUTH_ISSUER is set:
 * without an authorization server there is nothing a client could discover.
 */
import type { FastifyInstance } from 'fastify'
import { MCP_RESOURCE_PATH, PRM_PATH, protectedResourceMetadata } from '../src/auth/protected-resource.js'

export default async function oauthMetadataRoutes (fastify: FastifyInstance): Promise<void> {
  const issuer = fastify.config.OAUTH_ISSUER
  for (const [url, resource] of [[PRM_PATH, 'server'], [`${PRM_PATH}${MCP_RESOURCE_PATH}`, 'mcp']] as const) {
    fastify.get(url, { config: { access: 'oauth-metadata' } }, async (_request, reply) => {
      if (issuer === undefined) {
        return await reply.code(404).send({ error: 'This server accepts no OAuth tokens (OAUTH_ISSUER is not set)', statusCode: 404 })
      }
      return await reply.header('cache-control', 'public, max-age=3600').send(protectedResourceMetadata(fastify.security.baseUrl(), resource, issuer))
    })
  }
}
