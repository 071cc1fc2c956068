import Fastify, { type FastifyInstance } from 'fastify'
import { fastifySSE } from '@fastify/sse'
import fp from 'fastify-plugin'
import configPlugin from '../../plugins/config.js'
import eventBusPlugin from '../../plugins/event-bus.js'
import sseChannelsPlugin, { type SseChannelsPluginOptions } from '../../plugins/sse-channels.js'
import eventsRoutes from '../../routes/events.js'
import { testConfig, type Config } from '../../src/config.js'
import type { ChartProgressEvent } from '../../src/events/types.js'

export interface SseAppOptions {
  config?: Partial<Config>
  channels?: SseChannelsPluginOptions
  /**
   * How @fastify/sse gets registered: 'root' (default, as src/app.ts does through a fastify-plugin wrapper, heartbeat
   * off), or 'route' (left to routes/events.ts).
   */
  sse?: 'root' | 'route'
  /**
   * Fastify's forceCloseConnections. Default true here: undici's fetch keeps an extra idle socket that Node's
   * closeIdleConnections() does not count as idle, which would add 4 s to every teardown. Pass 'idle' (Fastify's
   * default) to test that app.close() does not wait on open streams.
   */
  forceCloseConnections?: boolean | 'idle'
}

export interface SseApp {
  app: FastifyInstance
  /** http://127.0.0.1:<port> */
  origin: string
  port: number
  /** URL of the stream of `clientId`. */
  eventsUrl: (clientId: string) => string
}

/**
 * A minimal app with the plugins and route of the SSE channels, listening on 127.0.0.1:0, closed in teardown.
 * Mirrors the app's registration order: external plugins → config → event-bus → sse-channels → routes.
 */
export async function buildSseApp (t: { teardown: (fn: () => Promise<void>) => void }, options: SseAppOptions = {}): Promise<SseApp> {
  // maxParamLength above 128 so every valid clientId reaches the route (and a 129-character one gets the 400).
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 256 },
    forceCloseConnections: options.forceCloseConnections ?? true
  })
  if (options.sse !== 'route') {
    await app.register(fp(async (root) => { await root.register(fastifySSE, { heartbeatInterval: 0 }) }, { name: 'sse' }))
  }
  await app.register(configPlugin, { config: testConfig(options.config) })
  await app.register(eventBusPlugin)
  await app.register(sseChannelsPlugin, options.channels ?? {})
  await app.register(eventsRoutes)
  t.teardown(async () => { await app.close() })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  const origin = `http://127.0.0.1:${address.port}`
  return { app, origin, port: address.port, eventsUrl: (clientId) => `${origin}/mcp/events/${clientId}` }
}

let counter = 0

/** A realistic chart_progress event (seed 004's shape). */
export function progressEvent (overrides: Partial<ChartProgressEvent> = {}, data: Partial<ChartProgressEvent['data']> = {}): ChartProgressEvent {
  counter++
  return {
    type: 'chart_progress',
    requestId: `req_${Date.now()}_${counter}`,
    message: 'Chart generation started for NASDAQ:AAPL',
    timestamp: new Date().toISOString(),
    ...overrides,
    data: { symbol: 'NASDAQ:AAPL', status: 'started', ...data }
  }
}
