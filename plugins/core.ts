import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createCore, formatBaseUrl } from '../src/core.js'
import type { ChartEngine } from '../src/chart/engine.js'
import type { McpDeps } from '../src/mcp/deps.js'

declare module 'fastify' {
  interface FastifyInstance {
    core: ReturnType<typeof createCore>
    /** What the MCP layer needs; every MCP surface builds its McpServer from this. */
    mcpDeps: McpDeps
  }
}

export interface CorePluginOptions {
  /** An engine in place of the one the config chooses (src/core.ts `CoreOptions.engine`). */
  engine?: ChartEngine
}

/** History store, chart engine and chart service on the app; closed after the routes (onClose runs in reverse). */
export default fp(async function corePlugin (fastify: FastifyInstance, options: CorePluginOptions) {
  const core = createCore({
    config: fastify.config,
    bus: fastify.bus,
    log: fastify.logger,
    clientCount: () => fastify.channels.clientCount + fastify.seedStreams.clientCount,
    engine: options.engine
  })
  fastify.decorate('core', core)
  // Redis (REDIS_URL) unreachable at boot: start anyway, degraded; the connection comes up when Redis does.
  if (core.shared !== null && !await core.shared.connected()) fastify.log.warn('Redis is not reachable yet; starting degraded (see /mcp/health)')
  fastify.decorate('mcpDeps', { config: fastify.config, charts: core.charts, bus: fastify.bus, health: core.health, log: fastify.logger })
  fastify.addHook('onListen', async function () {
    const address = fastify.server.address()
    if (address !== null && typeof address === 'object') core.setBaseUrl(formatBaseUrl(fastify.config.HOST, address.port))
  })
  fastify.addHook('onClose', async () => { await core.close() })
}, { name: 'core', dependencies: ['config', 'event-bus', 'sse-channels'] })
