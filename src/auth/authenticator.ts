/**
 * One entry point for "who is this?": static tokens first (cheap), then OAuth JWTs. Open mode (nothing configured)
 * authenticates nobody and requires nothing.
 */
import { createOAuthTokenVerifier, type OAuthTokenOptions } from './oauth-tokens.js'
import { bearerTokenOf, type Principal } from './principal.js'
import { createStaticTokenVerifier, type StaticToken } from './static-tokens.js'

export type AuthOutcome =
  | { ok: true, principal: Principal }
  /** `missing`: no bearer credentials (RFC 6750 §3.1: no error code); `invalid`: a token we do not accept. */
  | { ok: false, reason: 'missing' | 'invalid', detail: string }

export interface Authenticator {
  /** False in open mode: no route asks for credentials and every caller is the anonymous principal (null). */
  readonly enabled: boolean
  readonly oauth: boolean
  authenticate: (authorization: string | undefined) => Promise<AuthOutcome>
}

export interface AuthenticatorOptions {
  staticTokens: readonly StaticToken[]
  oauth?: OAuthTokenOptions
}

export function createAuthenticator (options: AuthenticatorOptions): Authenticator {
  const staticTokens = createStaticTokenVerifier(options.staticTokens)
  const oauth = options.oauth === undefined ? null : createOAuthTokenVerifier(options.oauth)
  return {
    enabled: staticTokens.size > 0 || oauth !== null,
    oauth: oauth !== null,
    async authenticate (authorization) {
      const token = bearerTokenOf(authorization)
      if (token === null) {
        return authorization === undefined
          ? { ok: false, reason: 'missing', detail: 'no Authorization header' }
          : { ok: false, reason: 'invalid', detail: 'Authorization is not "Bearer <token>"' }
      }
      const known = staticTokens.verify(token)
      if (known !== null) return { ok: true, principal: known }
      if (oauth !== null) {
        const verdict = await oauth.verify(token)
        if (verdict.ok) return verdict
        return { ok: false, reason: 'invalid', detail: verdict.reason }
      }
      return { ok: false, reason: 'invalid', detail: 'unknown token' }
    }
  }
}
