/**
 * Host/Origin validation and optional bearer auth for the MCP and API routes.
 *
 * Why: spec 2025-11-25 transports §"Security Warning" — servers MUST validate `Origin` (invalid → 403) and, bound to
 * localhost, SHOULD guard against DNS rebinding (a foreign name resolving to 127.0.0.1: the browser then sends that
 * name as `Host`). The SDK's helpers for this are Express middleware, so the same rules live here as a Fastify hook.
 *
 * How routes opt in — route config flags (typed below):
 *   `config: { mcpRoute: true }`  MCP surfaces (/mcp, /mcp/legacy/*, seed JSON-RPC routes): errors as JSON-RPC bodies
 *   `config: { apiRoute: true }`  REST API routes: errors as `{ error, statusCode }`
 * Routes without a flag (/health, /mcp/health, static pages, chart images) are not checked.
 *
 * Rules:
 * - Host: `localhost`, `127.0.0.1`, `[::1]` (any port, as the SDK's localhostHostValidation), plus ALLOWED_HOSTS
 *   (`name` = any port, `name:port` = that port only). Needed beyond localhost when HOST is not loopback.
 * - Origin: absent is fine (non-browser clients). Otherwise allowed when listed in ALLOWED_ORIGINS, when it is a
 *   localhost origin and the server is bound to loopback, or when it is same-origin with an allowed Host.
 * - Bearer: when AUTH_TOKEN is set, `Authorization: Bearer <token>` (compared in constant time) → else 401 with
 *   `WWW-Authenticate: Bearer` (RFC 6750 §3).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { isLoopbackHost, type Config } from '../src/config.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** MCP route: Host/Origin validated, bearer auth when AUTH_TOKEN is set; errors as JSON-RPC bodies. */
    mcpRoute?: boolean
    /** REST API route: same checks; errors as `{ error, statusCode }`. */
    apiRoute?: boolean
  }
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/** `host[:port]` → lower-case hostname and port ('' when absent); null when it cannot be a Host header. */
function parseHost (value: string): { hostname: string, port: string } | null {
  try {
    const url = new URL(`http://${value}`)
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return null
    return { hostname: url.hostname.toLowerCase(), port: url.port }
  } catch {
    return null
  }
}

export interface RequestGuard {
  /** Returns why the Host header is refused, or null when it is accepted. */
  checkHost: (host: string | undefined) => string | null
  /** Returns why the Origin header is refused, or null when it is accepted (absent is accepted). */
  checkOrigin: (origin: string | undefined, host: string | undefined) => string | null
  /** True when no token is required or the Authorization header carries it. */
  checkBearer: (authorization: string | undefined) => boolean
  readonly authRequired: boolean
}

function digest (value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

export function createRequestGuard (config: Pick<Config, 'HOST' | 'ALLOWED_HOSTS' | 'ALLOWED_ORIGINS' | 'AUTH_TOKEN'>): RequestGuard {
  const loopback = isLoopbackHost(config.HOST)
  const extraHosts = config.ALLOWED_HOSTS.map((h) => parseHost(h)).filter((h) => h !== null)
  const origins = new Set(config.ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '').toLowerCase()))
  // Hashing both sides first makes timingSafeEqual's equal-length requirement hold for any input length.
  const tokenDigest = config.AUTH_TOKEN === undefined ? null : digest(config.AUTH_TOKEN)

  function hostAllowed (host: { hostname: string, port: string }): boolean {
    if (LOCAL_HOSTNAMES.has(host.hostname)) return true
    return extraHosts.some((h) => h.hostname === host.hostname && (h.port === '' || h.port === host.port))
  }

  return {
    authRequired: tokenDigest !== null,
    checkHost (host) {
      if (host === undefined || host === '') return 'Missing Host header'
      const parsed = parseHost(host)
      if (parsed === null || !hostAllowed(parsed)) return `Invalid Host header: ${host}`
      return null
    },
    checkOrigin (origin, host) {
      if (origin === undefined) return null
      const normalized = origin.toLowerCase()
      if (origins.has(normalized)) return null
      let url: URL
      try {
        url = new URL(normalized)
      } catch {
        return `Invalid Origin header: ${origin}`
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Invalid Origin header: ${origin}`
      if (loopback && LOCAL_HOSTNAMES.has(url.hostname)) return null
      // Same-origin (a page served by this server): safe once the Host itself passed checkHost.
      const sameHost = host !== undefined && parseHost(host)
      if (sameHost !== false && sameHost !== null && url.host === `${sameHost.hostname}${sameHost.port === '' ? '' : `:${sameHost.port}`}` && hostAllowed(sameHost)) return null
      return `Invalid Origin header: ${origin}`
    },
    checkBearer (authorization) {
      if (tokenDigest === null) return true
      if (authorization === undefined) return false
      const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization)
      if (match === null) return false
      return timingSafeEqual(digest(match[1]), tokenDigest)
    }
  }
}

function refuse (request: FastifyRequest, reply: FastifyReply, status: 401 | 403, message: string): FastifyReply {
  const body = request.routeOptions.config.mcpRoute === true
    ? { jsonrpc: '2.0', id: null, error: { code: -32000, message } }
    : { error: message, statusCode: status }
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body)
}

export default fp(async function securityPlugin (fastify: FastifyInstance) {
  const guard = createRequestGuard(fastify.config)
  if (!isLoopbackHost(fastify.config.HOST) && fastify.config.ALLOWED_HOSTS.length === 0) {
    fastify.log.warn('HOST is not loopback and ALLOWED_HOSTS is empty: MCP and API routes accept only localhost Host names; set ALLOWED_HOSTS to the names clients use')
  }

  fastify.addHook('onRequest', async (request, reply) => {
    const { mcpRoute, apiRoute } = request.routeOptions.config
    if (mcpRoute !== true && apiRoute !== true) return
    const host = request.headers.host
    const hostProblem = guard.checkHost(host)
    if (hostProblem !== null) {
      request.log.warn({ host }, 'refused: Host not allowed')
      return refuse(request, reply, 403, hostProblem)
    }
    const originProblem = guard.checkOrigin(request.headers.origin, host)
    if (originProblem !== null) {
      request.log.warn({ origin: request.headers.origin }, 'refused: Origin not allowed')
      return refuse(request, reply, 403, originProblem)
    }
    if (!guard.checkBearer(request.headers.authorization)) {
      const given = request.headers.authorization !== undefined
      reply.header('www-authenticate', given ? 'Bearer realm="chart-img-mcp", error="invalid_token"' : 'Bearer realm="chart-img-mcp"')
      return refuse(request, reply, 401, given ? 'Invalid bearer token' : 'Authorization required: send Authorization: Bearer <AUTH_TOKEN>')
    }
  })
}, { name: 'security', dependencies: ['config'] })
