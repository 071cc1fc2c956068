/**
 * The app as a Fastify plugin. Registration order: external plugins → our plugins → routes. Tests build it with
 * `buildApp`; the process (logger, timeouts, signals, listen) lives in src/server.ts.
 */
import fp from 'fastify-plugin'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { classifyRequestError } from './http/request-errors.js'
import configPlugin from '../plugins/config.js'
import corsPlugin from '../plugins/external/cors.js'
import ssePlugin from '../plugins/external/sse.js'
import staticPagesPlugin from '../plugins/external/static-pages.js'
import openApiPlugin from '../plugins/external/openapi.js'
import eventBusPlugin from '../plugins/event-bus.js'
import nativeMemoryPlugin from '../plugins/native-memory.js'
import sseChannelsPlugin from '../plugins/sse-channels.js'
import corePlugin from '../plugins/core.js'
import toolRegistryPlugin from '../plugins/tool-registry.js'
import drainPlugin from '../plugins/drain.js'
import securityPlugin from '../plugins/security.js'
import mcpSessionsPlugin from '../plugins/mcp-sessions.js'
import metricsPlugin from '../plugins/metrics.js'
import healthRoutes from '../routes/health.js'
import jsonRpcRoutes from '../routes/jsonrpc.js'
import eventRoutes from '../routes/events.js'
import sseStreamRoutes from '../routes/sse-stream.js'
import chartImageRoutes from '../routes/charts.js'
import chartRenderRoutes from '../routes/chart-render.js'
import mcpRoutes from '../routes/mcp.js'
import mcpLegacyRoutes from '../routes/mcp-legacy.js'
import restRoutes from '../routes/rest.js'
import oauthMetadataRoutes from '../routes/oauth-metadata.js'
import { redactUrl } from './auth/redact-url.js'
import chatRoutes from '../routes/chat.js'
import docsRoutes from '../routes/docs.js'
import metricsRoutes from '../routes/metrics.js'

export interface AppOptions {
  config: Config
}

export default async function app (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  await fastify.register(configPlugin, { config: options.config })
  // First after config: its onRoute hook must see every route, including those the external plugins add.
  await fastify.register(securityPlugin)

  // Before every plugin that adds routes (static pages included): it collects routes as they are registered.
  await fastify.register(openApiPlugin)
  await fastify.register(corsPlugin)
  await fastify.register(ssePlugin)
  await fastify.register(staticPagesPlugin)

  await fastify.register(nativeMemoryPlugin)
  await fastify.register(eventBusPlugin)
  await fastify.register(sseChannelsPlugin)
  await fastify.register(corePlugin)
  await fastify.register(toolRegistryPlugin)
  await fastify.register(drainPlugin)
  await fastify.register(mcpSessionsPlugin)
  await fastify.register(metricsPlugin)

  // One error handler for every `{ error, statusCode }` route (REST included): the detail goes to the log; a client
  // sees what to fix for a 4xx, a generic message for a 5xx. The JSON-RPC routes word the same classification as
  // JSON-RPC errors (routes/jsonrpc.ts).
  fastify.setErrorHandler(async (error: FastifyError, request, reply) => {
    const { status, kind, message } = classifyRequestError(error)
    if (kind === 'internal') request.log.error({ err: error }, 'request failed')
    else request.log.info({ err: error }, 'request rejected')
    return await reply.code(status).send({ error: message, statusCode: status })
  })

  fastify.setNotFoundHandler(async (request, reply) => {
    return await reply.code(404).send({ error: `No route for ${request.method} ${request.url.split('?')[0]}. See GET /docs for the routes.`, statusCode: 404 })
  })

  await fastify.register(healthRoutes)
  await fastify.register(jsonRpcRoutes)
  await fastify.register(eventRoutes)
  await fastify.register(sseStreamRoutes)
  await fastify.register(chartImageRoutes)
  await fastify.register(chartRenderRoutes)
  await fastify.register(mcpRoutes)
  await fastify.register(mcpLegacyRoutes)
  await fastify.register(restRoutes)
  await fastify.register(oauthMetadataRoutes)
  await fastify.register(chatRoutes)
  await fastify.register(docsRoutes)
  await fastify.register(metricsRoutes)
}

/** Fastify options for a long-lived SSE server (also used by tests). */
export function serverOptions (config: Config): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      // Never log credentials (ours or Chart-IMG's).
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
      // Logged URLs lose session ids, channel ids and anything named like a token (src/auth/redact-url.ts).
      serializers: {
        req: (request: { method: string, url: string, host?: string, ip?: string, socket?: { remotePort?: number } }) => ({
          method: request.method,
          url: redactUrl(request.url),
          host: request.host,
          remoteAddress: request.ip,
          remotePort: request.socket?.remotePort
        })
      }
    },
    // Node's requestTimeout bounds receiving a request, not streaming a response; SSE streams stay open.
    requestTimeout: 120_000,
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    // 'idle': keep-alive sockets with no request in flight are closed at once; open streams are ended by their owners
    // in preClose (SSE channels send seed 000's close message first), so no client sees a reset mid-event.
    forceCloseConnections: 'idle',
    bodyLimit: 1_048_576,
    // clientIds may be 128 characters (routes/events.ts); Fastify's default parameter cap is 100.
    routerOptions: { maxParamLength: 256 },
    return503OnClosing: true
  }
}

export async function buildApp (config: Config, overrides: Partial<FastifyServerOptions> = {}): Promise<FastifyInstance> {
  const fastify = Fastify({ ...serverOptions(config), ...overrides })
  // Wrapped in fp (as fastify/demo's server does) so the app's decorators (core, bus, channels…) reach the root
  // instance that tests and the process hold; routes inside stay encapsulated.
  await fastify.register(fp(app, { name: 'chart-img-mcp' }), { config })
  return fastify
}
