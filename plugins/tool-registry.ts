import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createToolRegistry, type ToolRegistry } from '../src/tools/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The product's tools, built once for the process; every surface calls them through this registry. */
    tools: ToolRegistry
  }
}

export default fp(async function toolRegistryPlugin (fastify: FastifyInstance) {
  fastify.decorate('tools', createToolRegistry({ config: fastify.config, charts: fastify.core.charts, bus: fastify.bus, health: fastify.core.health }))
}, { name: 'tool-registry', dependencies: ['config', 'event-bus', 'core'] })
