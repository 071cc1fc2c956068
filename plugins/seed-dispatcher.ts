import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createSeedMcpServer } from '../src/mcp/seed-server.js'
import { createSeedDispatcher, type SeedDispatcher } from '../src/mcp/seed-dispatcher.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** One McpServer, reached in-process, for the surfaces without MCP sessions: seed JSON-RPC routes and REST. */
    seedDispatcher: SeedDispatcher
  }
}

/** Built once for both sessionless surfaces (routes/jsonrpc.ts, routes/rest.ts); closed with the app. */
export default fp(async function seedDispatcherPlugin (fastify: FastifyInstance) {
  const dispatcher = await createSeedDispatcher(createSeedMcpServer(fastify.mcpDeps))
  fastify.decorate('seedDispatcher', dispatcher)
  fastify.addHook('onClose', async () => { await dispatcher.close() })
}, { name: 'seed-dispatcher', dependencies: ['core'] })
