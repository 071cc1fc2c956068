/**
 * OAuth 2.1 bearer JWTs from one authorization server, verified with jose against the issuer's JWKS: signature,
 * `iss`, `aud` (this server's canonical URL, RFC 8707 — MCP authorization: "MUST validate that the token was issued
 * specifically for them"), `exp`/`nbf`, and a `sub`. Scopes come from the `scope` claim (RFC 9068 §2.2.3).
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose'
import { SCOPES, type Scope } from './policy.js'
import type { Principal } from './principal.js'

export interface OAuthTokenOptions {
  issuer: string
  jwksUrl: string
  /** Accepted audiences, read per call (the canonical URL may be known only once the server listens). */
  audiences: () => string[]
  /** Seconds of clock skew tolerated on exp/nbf. */
  clockToleranceSeconds?: number
}

export type OAuthVerdict = { ok: true, principal: Principal } | { ok: false, reason: string }

export interface OAuthTokenVerifier {
  verify: (token: string) => Promise<OAuthVerdict>
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

function scopesOf (payload: JWTPayload): Scope[] {
  const claim = payload.scope ?? payload.scp
  const listed = typeof claim === 'string' ? claim.split(' ') : Array.isArray(claim) ? claim.filter((s): s is string => typeof s === 'string') : []
  return SCOPES.filter((scope) => listed.includes(scope))
}

export function looksLikeJwt (token: string): boolean {
  return JWT_SHAPE.test(token)
}

export function createOAuthTokenVerifier (options: OAuthTokenOptions): OAuthTokenVerifier {
  // jose caches the key set, refetches on an unknown `kid` (rate-limited by cooldownDuration) and times out fetches.
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000 })
  return {
    async verify (token) {
      if (!looksLikeJwt(token)) return { ok: false, reason: 'not a JWT' }
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: options.audiences(),
          clockTolerance: options.clockToleranceSeconds ?? 30,
          requiredClaims: ['exp', 'sub']
        })
        const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined
        return {
          ok: true,
          principal: { id: `oauth:${payload.sub as string}`, kind: 'oauth', scopes: scopesOf(payload), clientId, expiresAt: payload.exp, token }
        }
      } catch (error) {
        // jose's error codes (ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED…) are safe to log; the token is not.
        return { ok: false, reason: (error as { code?: string }).code ?? 'invalid token' }
      }
    }
  }
}
