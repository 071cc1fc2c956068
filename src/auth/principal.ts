import type { Scope } from './policy.js'

/** Who made a request, once authenticated. Fastify-free: surfaces copy `id` into ToolCaller.principal. */
export interface Principal {
  /** Stable identity: the AUTH_TOKENS name (`alice`), `token` for the single AUTH_TOKEN, `oauth:<sub>` for a JWT. */
  readonly id: string
  readonly kind: 'static-token' | 'oauth'
  /** Granted scopes: every scope for a static token, the token's `scope` claim for a JWT. */
  readonly scopes: readonly Scope[]
  /** OAuth only: the client the token was issued to (`client_id`/`azp`), and its expiry (seconds since epoch). */
  readonly clientId?: string
  readonly expiresAt?: number
  /** The bearer token itself, for SDKs that want it back as AuthInfo.token. Never logged. */
  readonly token: string
}

/** The Authorization header's bearer token (RFC 6750 §2.1), or null. Tokens in query strings are never read. */
export function bearerTokenOf (authorization: string | undefined): string | null {
  if (authorization === undefined) return null
  const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization)
  return match === null ? null : match[1]
}
