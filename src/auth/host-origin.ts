/**
 * Host and Origin validation (spec 2025-11-25 and 2026-07-28 transports §Security: servers MUST validate `Origin`,
 * invalid → 403; bound to localhost they SHOULD guard against DNS rebinding, where a foreign name resolving to
 * 127.0.0.1 makes the browser send that name as `Host`). The SDK's helpers are Express middleware, so the rules live
 * here, free of any framework.
 *
 * - Host: `localhost`, `127.0.0.1`, `[::1]` (any port, as the SDK's localhostHostValidation), plus ALLOWED_HOSTS
 *   (`name` = any port, `name:port` = that port only).
 * - Origin: absent is fine (non-browser clients). Otherwise allowed when listed in ALLOWED_ORIGINS, when it is a
 *   localhost origin and the server is bound to loopback, or when it is same-origin with an allowed Host.
 */
import { isLoopbackHost, type Config } from '../config.js'

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

export interface HostOriginGuard {
  /** Why the Host header is refused, or null when it is accepted. */
  checkHost: (host: string | undefined) => string | null
  /** Why the Origin header is refused, or null when it is accepted (absent is accepted). */
  checkOrigin: (origin: string | undefined, host: string | undefined) => string | null
}

export function createHostOriginGuard (config: Pick<Config, 'HOST' | 'ALLOWED_HOSTS' | 'ALLOWED_ORIGINS'>): HostOriginGuard {
  const loopback = isLoopbackHost(config.HOST)
  const extraHosts = config.ALLOWED_HOSTS.map((h) => parseHost(h)).filter((h) => h !== null)
  const origins = new Set(config.ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '').toLowerCase()))

  function hostAllowed (host: { hostname: string, port: string }): boolean {
    if (LOCAL_HOSTNAMES.has(host.hostname)) return true
    return extraHosts.some((h) => h.hostname === host.hostname && (h.port === '' || h.port === host.port))
  }

  return {
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
      const sameHost = host === undefined ? null : parseHost(host)
      if (sameHost !== null && url.host === `${sameHost.hostname}${sameHost.port === '' ? '' : `:${sameHost.port}`}` && hostAllowed(sameHost)) return null
      return `Invalid Origin header: ${origin}`
    }
  }
}
