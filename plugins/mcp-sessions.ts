import { randomBytes } from 'node:crypto'
import fp from 'fastify-plugin'
import type { Redis } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import { createMcpHandler, type McpServer, type ServerNotifier } from '@modelcontextprotocol/server'
import { toNodeHandler, type NodeMcpRequestHandler } from '@modelcontextprotocol/node'
import { principalIdOf } from '../src/auth/mcp-auth-info.js'
import { OwnedServerEventBus } from '../src/mcp/owned-event-bus.js'
import { publishChartResourceChanges } from '../src/mcp/resources.js'
import { DRAIN_GRACE_MS, InFlightCalls } from '../src/mcp/in-flight.js'
import { createMcpServer, type McpEra, type McpServerDeps } from '../src/mcp/server.js'
import { shareRequestStateKey } from '../src/mcp/request-state.js'
import { SessionManager } from '../src/mcp/sessions.js'
import type { SharedSessions } from '../src/mcp/shared-sessions.js'

/** A `subscriptions/listen` stream is cut after this long; the client listens again. */
export const LISTEN_MAX_MS = 10 * 60_000

/** Most `subscriptions/listen` streams open at once (each is one SSE response); over it → -32603 from the SDK. */
export const MAX_LISTEN_STREAMS = 256

export interface McpSessionsOptions {
  /** Builds the McpServer of each 2025 session and of each 2026 request; default createMcpServer(fastify.mcpDeps, …). */
  createServer?: (era: McpEra) => McpServer
  /**
   * Answer 2025 POSTed requests with one `application/json` body instead of an SSE stream. Off by default: progress,
   * logs, sampling and elicitation ride on the SSE stream and are dropped in JSON mode (SDK behaviour).
   */
  jsonResponse?: boolean
  /** Default DRAIN_GRACE_MS (tests shorten it). */
  drainGraceMs?: number
  /** Longest life of a `subscriptions/listen` stream; default LISTEN_MAX_MS. */
  listenMaxMs?: number
}

export interface McpSessionsDecorator {
  sessions: SessionManager
  createServer: (era: McpEra) => McpServer
  jsonResponse: boolean
  /** The 2026-07-28 (sessionless) handler on node:http objects. */
  modern: NodeMcpRequestHandler
  /** Publishes list/resource changes to open `subscriptions/listen` streams. */
  notify: ServerNotifier
  /** Tool calls in progress on every MCP surface of the app. */
  inFlight: InFlightCalls
  /** Longest life of a `subscriptions/listen` stream. */
  listenMaxMs: number
  /** 2025 sessions in Redis, served by every instance (REDIS_URL); undefined: sessions live in this process only. */
  shared?: SharedSessions
}

declare module 'fastify' {
  interface FastifyInstance {
    /** MCP session registry shared by Streamable HTTP (/mcp) and legacy SSE (/mcp/legacy/*), and the 2026 handler. */
    mcp: McpSessionsDecorator
  }
}

/**
 * The session manager, the McpServer factory and the SDK's 2026-07-28 handler. On close, every tool call in progress
 * is answered, then every session and every 2026 exchange is ended, before the server stops listening.
 */
export default fp(async function mcpSessionsPlugin (fastify: FastifyInstance, options: McpSessionsOptions) {
  const { config } = fastify
  const log = fastify.log.child({ component: 'mcp' })
  const sessions = new SessionManager({ maxSessions: config.MAX_SESSIONS, idleMs: config.SESSION_IDLE_MS, log })
  const fixtures = config.MCP_CONFORMANCE_FIXTURES
  if (fixtures) fastify.log.warn('MCP_CONFORMANCE_FIXTURES is on: the conformance test tools, resources and prompts are exposed')
  const inFlight = new InFlightCalls()
  let deps: McpServerDeps | undefined
  const createServer = options.createServer ?? ((era: McpEra) => {
    deps ??= { ...fastify.mcpDeps, tools: fastify.tools }
    return createMcpServer(deps, { era, fixtures, notifier: () => handler.notify, inFlight })
  })
  const reportError = (error: Error): void => { log.debug({ err: error }, 'MCP 2026-07-28 request rejected or failed') }
  // Chart changes reach only their owner's subscriptions/listen streams (src/mcp/owned-event-bus.ts).
  const bus = new OwnedServerEventBus(reportError)
  const handler = createMcpHandler(({ era }) => createServer(era), {
    // 2025 traffic never reaches it: routes/mcp.ts sends it to the sessions.
    legacy: 'reject',
    bus,
    keepAliveMs: config.KEEPALIVE_MS,
    maxSubscriptions: MAX_LISTEN_STREAMS,
    onerror: reportError
  })
  // Each request is served as its principal (the AuthInfo routes/mcp-http.ts handOver set), so a listen stream it
  // opens is that principal's.
  const ownedHandler = {
    fetch: async (request: Request, options?: Parameters<typeof handler.fetch>[1]) =>
      await bus.serveAs(principalIdOf(options?.authInfo), async () => await handler.fetch(request, options))
  }
  fastify.decorate('mcp', {
    sessions,
    createServer,
    // The plugin option (tests, benchmarks) wins over MCP_JSON_RESPONSE.
    jsonResponse: options.jsonResponse ?? config.MCP_JSON_RESPONSE,
    modern: toNodeHandler(ownedHandler, { onerror: (error) => { log.warn({ err: error }, 'MCP 2026-07-28 response failed') } }),
    notify: handler.notify,
    inFlight,
    listenMaxMs: options.listenMaxMs ?? LISTEN_MAX_MS
  })
  if (config.REDIS_URL !== undefined) {
    // Loaded only when used: a single instance needs neither ioredis nor this code.
    const [{ SharedSessions }, { openRedisConnection, closeRedisConnection }, { SSE_RETRY_MS }, { newInstanceId }] = await Promise.all([
      import('../src/mcp/shared-sessions.js'), import('../src/redis/connection.js'), import('../src/mcp/event-store.js'), import('../src/redis/instance-liveness.js')
    ])
    const redisLog = log.child({ component: 'mcp-shared-sessions' })
    const redis = openRedisConnection({ url: config.REDIS_URL, name: 'mcp-sessions', log: redisLog })
    const subscriber = openRedisConnection({ url: config.REDIS_URL, name: 'mcp-relay', log: redisLog })
    const shared = new SharedSessions({
      // The instance id of the shared state layer (plugins/core.ts), so history, liveness and relay name it alike.
      instanceId: (fastify.hasDecorator('core') ? fastify.core.shared?.liveness.id : undefined) ?? newInstanceId(),
      redis,
      subscriber,
      keyPrefix: config.REDIS_KEY_PREFIX,
      idleMs: config.SESSION_IDLE_MS,
      log: redisLog,
      createServer: () => createServer('legacy'),
      jsonResponse: fastify.mcp.jsonResponse,
      keepAliveMs: config.KEEPALIVE_MS,
      retryMs: SSE_RETRY_MS
    })
    fastify.mcp.shared = shared
    if (fastify.hasDecorator('core')) fastify.core.addSubscription(() => shared.problem())
    // 2026-07-28 MRTR: a requestState sealed on one instance is verified on whichever gets the retry.
    shareRequestStateKey(await sharedSecret(redis, `${config.REDIS_KEY_PREFIX}mcp:request-state-key`))
    fastify.addHook('onClose', async () => {
      await shared.closeAll()
      await Promise.all([closeRedisConnection(subscriber), closeRedisConnection(redis)])
    })
  }
  let unpublish: (() => void) | undefined
  fastify.addHook('onReady', async () => {
    if (options.createServer === undefined && !(fastify.hasDecorator('mcpDeps') && fastify.hasDecorator('tools'))) {
      throw new Error('plugins/mcp-sessions.ts needs fastify.mcpDeps (plugins/core.ts) and fastify.tools (plugins/tool-registry.ts), or a createServer option')
    }
    if (fastify.hasDecorator('mcpDeps')) unpublish = publishChartResourceChanges(fastify.mcpDeps.bus, bus)
  })
  // preClose, before the server waits for open connections: answer every tool call in progress (its result within the
  // grace period, else -32001), then end every session (and its SSE streams) and every 2026 exchange.
  fastify.addHook('preClose', async () => {
    unpublish?.()
    await inFlight.drain(options.drainGraceMs ?? DRAIN_GRACE_MS)
    await Promise.all([sessions.closeAll(), handler.close()])
  })
// mcpDeps and tools are read on first use, checked at onReady: tests may decorate their own.
}, { name: 'mcp-sessions', dependencies: ['config'] })

/** A random secret created once in Redis (SET NX) and read by every instance. */
async function sharedSecret (redis: Redis, key: string): Promise<string> {
  await redis.set(key, randomBytes(32).toString('hex'), 'NX')
  const secret = await redis.get(key)
  if (secret === null) throw new Error(`Redis lost ${key} as it was written`)
  return secret
}
