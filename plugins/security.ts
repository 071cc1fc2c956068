/**
 * One access policy for every route (src/auth/policy.ts), enforced here.
 *
 * Each route declares its family where it is declared: `config: { access: 'rest-read' }` (typed below). Routes made
 * by other plugins (@fastify/static, @fastify/cors) get theirs from `declareAccess(family)` in their scope. A route
 * with no family stops the boot (onReady), so no route can be added without saying who may use it.
 *
 * Per request, in this order (onRequest):
 * 1. Host and Origin (src/auth/host-origin.ts) → 403, on every family but health.
 * 2. A locked-out address (failed-auth backoff) → 429 + Retry-After, before its credentials are even read.
 * 3. Authentication (static tokens, OAuth JWTs; src/auth/authenticator.ts) when configured → 401 with
 *    `WWW-Authenticate: Bearer resource_metadata="…", scope="…"` (MCP authorization 2026-07-28); missing scope →
 *    403 `insufficient_scope`. The principal is set on `request.principal` (null in open mode).
 * 4. Rate limit (@fastify/rate-limit) per principal, per address before authentication / in open mode → 429.
 * The 429s of 2 and 4 are held a moment before they are sent (src/auth/refusal-delay.ts), so a client flooding
 * past its limit cannot keep the event loop busy with refusals.
 * Ownership (404 for another principal's resource) is checked where the resource is looked up: channels in
 * src/sse, chart images in routes/charts.ts, history rows in the chart service.
 */
import fastifyRateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { isLoopbackHost } from '../src/config.js'
import { formatBaseUrl } from '../src/core.js'
import { createAuthenticator, type Authenticator } from '../src/auth/authenticator.js'
import { FailedAuthBackoff } from '../src/auth/failed-auth-backoff.js'
import { McpSessionGuard } from '../src/auth/mcp-session-guard.js'
import { createHostOriginGuard } from '../src/auth/host-origin.js'
import { ACCESS_POLICIES, isAccessFamily, type AccessFamily, type AccessPolicy, type Scope } from '../src/auth/policy.js'
import type { Principal } from '../src/auth/principal.js'
import { bearerChallenge, metadataUrl, resourceIdentifiers, type Challenge } from '../src/auth/protected-resource.js'
import { quotaKeyOf } from '../src/auth/quota.js'
import { SharedQuota } from '../src/auth/shared-quota.js'
import { RefusalDelay } from '../src/auth/refusal-delay.js'
import { UNNAMED_TOKEN_PRINCIPAL } from '../src/auth/static-tokens.js'
import { closeRedisConnection, openRedisConnection } from '../src/redis/connection.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's access family (src/auth/policy.ts). Required on every route: the app does not boot without it. */
    access?: AccessFamily
  }
  interface FastifyRequest {
    /** Who is calling: set by plugins/security.ts on protected routes; null in open mode and on public routes. */
    principal: Principal | null
  }
  interface FastifyInstance {
    security: SecurityDecorator
  }
}

/** A route as the security plugin saw it registered. */
export interface DeclaredRoute {
  method: string
  url: string
  access: AccessFamily
}

export interface SecurityDecorator {
  readonly authenticator: Authenticator
  /** This server's canonical base URL (PUBLIC_BASE_URL, else http://HOST:port once listening), no trailing slash. */
  baseUrl: () => string
  /** Every route and its family, once the app is ready (the security tests iterate it). */
  readonly routes: readonly DeclaredRoute[]
  /** The key per-principal quotas count under: the principal id, or the client address when there is none. */
  quotaKeyOf: (request: FastifyRequest) => string
  /** MCP sessions: per-principal quota (MCP_SESSIONS_PER_PRINCIPAL) and owners (src/auth/mcp-session-guard.ts). */
  readonly mcpSessions: McpSessionGuard
  /** With REDIS_URL: per-principal quotas counted across instances (SSE channels and MCP sessions); else null. */
  readonly sharedQuota: SharedQuota | null
  /**
   * For a request that needs more than its route's scope (an MCP `tools/call` of a tool that writes; the route only
   * knows once the body is read): null when the principal holds `scope` or auth is off, else the reply, already sent
   * as 403 `insufficient_scope` with the same challenge a route-level refusal carries.
   */
  requireScope: (request: FastifyRequest, reply: FastifyReply, scope: Scope) => FastifyReply | null
  /** Waits before a quota 429 is sent, as the rate limit's are (src/auth/refusal-delay.ts); `retryAfterMs` caps it. */
  holdRefusal: (retryAfterMs: number) => Promise<void>
}

/** For routes another plugin creates (static files, CORS preflight): register this onRoute hook in their scope first. */
export function declareAccess (family: AccessFamily): (route: RouteOptions) => void {
  return (route) => {
    route.config = { ...route.config, access: family }
  }
}

const MAX_LOCK_MS = 15 * 60_000

/** A 429 of the rate limit or the failed-auth lockout waits this long before it is sent (src/auth/refusal-delay.ts). */
export const REFUSAL_DELAY_MS = 1000
/** Refusals held at once, at most; past that they are sent at once. */
export const MAX_HELD_REFUSALS = 1024

type Refusal = 401 | 403 | 429

function refuse (reply: FastifyReply, policy: AccessPolicy, status: Refusal, message: string): FastifyReply {
  const body = policy.errors === 'json-rpc'
    ? { jsonrpc: '2.0', id: null, error: { code: -32000, message } }
    : { error: message, statusCode: status }
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body)
}

export default fp(async function securityPlugin (fastify: FastifyInstance) {
  const { config } = fastify
  const guard = createHostOriginGuard(config)
  if (!isLoopbackHost(config.HOST) && config.ALLOWED_HOSTS.length === 0) {
    fastify.log.warn('HOST is not loopback and ALLOWED_HOSTS is empty: only localhost Host names are accepted; set ALLOWED_HOSTS to the names clients use')
  }

  function baseUrl (): string {
    if (config.PUBLIC_BASE_URL !== undefined) return config.PUBLIC_BASE_URL
    const address = fastify.server.address()
    return formatBaseUrl(config.HOST, address !== null && typeof address === 'object' ? address.port : config.PORT)
  }

  const staticTokens = [
    ...(config.AUTH_TOKEN === undefined ? [] : [{ name: UNNAMED_TOKEN_PRINCIPAL, token: config.AUTH_TOKEN }]),
    ...config.AUTH_TOKENS
  ]
  const authenticator = createAuthenticator({
    staticTokens,
    oauth: config.OAUTH_ISSUER === undefined || config.OAUTH_JWKS_URL === undefined
      ? undefined
      : {
          issuer: config.OAUTH_ISSUER,
          jwksUrl: config.OAUTH_JWKS_URL,
          audiences: () => Object.values(resourceIdentifiers(baseUrl()))
        }
  })
  if (!authenticator.enabled && !isLoopbackHost(config.HOST)) {
    fastify.log.warn('no AUTH_TOKEN, AUTH_TOKENS or OAUTH_ISSUER and HOST is not loopback: anyone who reaches this server can use it')
  }
  const refusalDelay = new RefusalDelay({ delayMs: REFUSAL_DELAY_MS, maxHeld: MAX_HELD_REFUSALS })
  fastify.addHook('preClose', async () => { refusalDelay.releaseAll() })
  const backoff = new FailedAuthBackoff({ maxFailures: config.AUTH_FAILURES_MAX, windowMs: config.RATE_LIMIT_WINDOW_MS, baseLockMs: config.AUTH_LOCKOUT_MS, maxLockMs: MAX_LOCK_MS })

  const quotaKey = (request: FastifyRequest): string => quotaKeyOf(request.principal?.id ?? null, request.ip)
  // With REDIS_URL the counters live in Redis (the plugin's own store, keys `<prefix>ratelimit:<quota key>`), so the
  // limit holds across instances. While Redis is down requests pass (skipOnError) rather than all failing: the
  // limit protects capacity, and /mcp/health/ready already takes the instance out of rotation.
  const redis = config.REDIS_URL === undefined
    ? undefined
    : openRedisConnection({ url: config.REDIS_URL, name: 'security', log: fastify.log, failFast: true })
  // Per-principal quotas of channels and sessions across instances (src/auth/shared-quota.ts).
  const sharedQuota = redis === undefined ? null : new SharedQuota({ redis, keyPrefix: config.REDIS_KEY_PREFIX, log: fastify.log })
  if (redis !== undefined) {
    fastify.addHook('onClose', async () => {
      sharedQuota?.close()
      await closeRedisConnection(redis)
    })
  }
  // Hooks are added per route by createRateLimit below (global: false): only families that say rateLimited count.
  // The limits are the plugin's global parameters, so createRateLimit() uses its store as is (keys without a route).
  await fastify.register(fastifyRateLimit, {
    global: false,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: quotaKey,
    ...(redis === undefined || config.RATE_LIMIT_MAX === 0 ? {} : { redis, nameSpace: `${config.REDIS_KEY_PREFIX}ratelimit:`, skipOnError: true })
  })
  const rateLimit = config.RATE_LIMIT_MAX === 0 ? null : fastify.createRateLimit()
  // The per-second limit (RATE_LIMIT_PER_SECOND) counts under keys of its own, whatever store holds the counters.
  const burstLimit = config.RATE_LIMIT_MAX === 0 || config.RATE_LIMIT_PER_SECOND === 0
    ? null
    : fastify.createRateLimit({ max: config.RATE_LIMIT_PER_SECOND, timeWindow: 1000, keyGenerator: (request) => `per-second:${quotaKey(request)}` })

  const seen: Array<{ route: RouteOptions }> = []
  const routes: DeclaredRoute[] = []
  fastify.decorateRequest('principal', null)

  fastify.addHook('onRoute', (route) => {
    const access: unknown = route.config?.access
    if (access !== undefined && !isAccessFamily(access)) {
      throw new Error(`${String(route.method)} ${route.url}: unknown access family ${String(access)} (see src/auth/policy.ts)`)
    }
    // Checked at onReady: plugins that create routes (static files) declare them in a later onRoute hook of their own.
    seen.push({ route })
  })
  fastify.addHook('onReady', async () => {
    const missing: string[] = []
    for (const { route } of seen) {
      const access = route.config?.access
      for (const method of [route.method].flat()) {
        if (access === undefined) missing.push(`${method} ${route.url}`)
        else routes.push({ method, url: route.url, access })
      }
    }
    seen.length = 0
    if (missing.length > 0) {
      throw new Error(`Routes without an access policy: ${missing.join(', ')}. Declare config: { access: <family> } (src/auth/policy.ts).`)
    }
  })

  function challenge (reply: FastifyReply, policy: AccessPolicy, status: 401 | 403, parts: Omit<Challenge, 'scope' | 'resourceMetadata'>, message: string): FastifyReply {
    reply.header('www-authenticate', bearerChallenge({
      ...parts,
      scope: policy.scope ?? 'charts:read',
      resourceMetadata: authenticator.oauth ? metadataUrl(baseUrl(), policy.resource) : undefined
    }))
    return refuse(reply, policy, status, message)
  }

  function insufficientScope (reply: FastifyReply, policy: AccessPolicy, scope: Scope, what: 'route' | 'request'): FastifyReply {
    return challenge(reply, { ...policy, scope }, 403, { error: 'insufficient_scope', description: `This ${what} needs the ${scope} scope` }, `insufficient_scope: this ${what} needs the ${scope} scope`)
  }

  fastify.decorate('security', {
    authenticator,
    baseUrl,
    routes,
    quotaKeyOf: quotaKey,
    mcpSessions: new McpSessionGuard(config.MCP_SESSIONS_PER_PRINCIPAL, sharedQuota ?? undefined),
    sharedQuota,
    requireScope (request, reply, scope) {
      const { principal } = request
      if (principal === null || principal.scopes.includes(scope)) return null
      const family = request.routeOptions.config.access
      return insufficientScope(reply, ACCESS_POLICIES[family ?? 'not-found'], scope, 'request')
    },
    holdRefusal: async (retryAfterMs) => { await refusalDelay.hold(retryAfterMs) }
  })

  fastify.addHook('onRequest', async (request, reply) => {
    const family = request.is404 ? 'not-found' : request.routeOptions.config.access
    // Unreachable after onReady's check; kept so a request never passes unpoliced.
    if (family === undefined) return refuse(reply, ACCESS_POLICIES['not-found'], 403, 'This route has no access policy')
    const policy: AccessPolicy = ACCESS_POLICIES[family]

    if (policy.checkHostOrigin) {
      const host = request.headers.host
      const hostProblem = guard.checkHost(host)
      if (hostProblem !== null) {
        request.log.warn({ host }, 'refused: Host not allowed')
        return refuse(reply, policy, 403, hostProblem)
      }
      const originProblem = guard.checkOrigin(request.headers.origin, host)
      if (originProblem !== null) {
        request.log.warn({ origin: request.headers.origin }, 'refused: Origin not allowed')
        return refuse(reply, policy, 403, originProblem)
      }
    }
    if (policy.auth === 'public') return

    if (authenticator.enabled) {
      const lockedMs = backoff.retryAfterMs(request.ip)
      if (lockedMs > 0) {
        await refusalDelay.hold(lockedMs)
        reply.header('retry-after', String(Math.ceil(lockedMs / 1000)))
        return refuse(reply, policy, 429, `Too many failed authentications from this address; retry in ${Math.ceil(lockedMs / 1000)} s`)
      }
      const outcome = await authenticator.authenticate(request.headers.authorization)
      if (!outcome.ok) {
        if (outcome.reason === 'missing') {
          return challenge(reply, policy, 401, {}, 'Authorization required: send Authorization: Bearer <token> (a configured token or an OAuth access token)')
        }
        request.log.info({ reason: outcome.detail }, 'refused: invalid bearer token')
        const lockMs = backoff.fail(request.ip)
        if (lockMs > 0) {
          request.log.warn({ ip: request.ip, lockMs }, 'failed authentications: address locked out')
          await refusalDelay.hold(lockMs)
          reply.header('retry-after', String(Math.ceil(lockMs / 1000)))
          return refuse(reply, policy, 429, `Too many failed authentications from this address; retry in ${Math.ceil(lockMs / 1000)} s`)
        }
        return challenge(reply, policy, 401, { error: 'invalid_token', description: 'The access token is invalid, expired or not issued for this server' }, 'Invalid bearer token')
      }
      const { principal } = outcome
      if (policy.scope !== undefined && !principal.scopes.includes(policy.scope)) return insufficientScope(reply, policy, policy.scope, 'route')
      request.principal = principal
    }

    if (policy.rateLimited && rateLimit !== null) {
      let verdict = await rateLimit(request)
      // The per-second limit is asked only while the window's allows: a refused request counts against one limit.
      if (burstLimit !== null && (verdict.isAllowed || !verdict.isExceeded)) verdict = await burstLimit(request)
      if (!verdict.isAllowed && verdict.isExceeded) {
        await refusalDelay.hold(verdict.ttlInSeconds * 1000)
        reply.header('retry-after', String(verdict.ttlInSeconds))
        return refuse(reply, policy, 429, `Rate limit exceeded (${verdict.max} requests per ${Math.round(verdict.timeWindow / 1000)} s); retry in ${verdict.ttlInSeconds} s`)
      }
    }
  })
}, { name: 'security', dependencies: ['config'] })
