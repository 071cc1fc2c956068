/**
 * Static bearer tokens: AUTH_TOKENS=alice:<token>,bob:<token> (a principal per name) and the single unnamed
 * AUTH_TOKEN (principal `token`). Compared in constant time, every configured token every time, so neither the
 * match nor which entry matched shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { SCOPES } from './policy.js'
import type { Principal } from './principal.js'

export interface StaticToken {
  name: string
  token: string
}

/** The principal of the single AUTH_TOKEN. */
export const UNNAMED_TOKEN_PRINCIPAL = 'token'

function digest (value: string): Buffer {
  // Hashing first makes timingSafeEqual's equal-length requirement hold for any input length.
  return createHash('sha256').update(value).digest()
}

export interface StaticTokenVerifier {
  readonly size: number
  /** The principal whose token this is, or null. */
  verify: (token: string) => Principal | null
}

export function createStaticTokenVerifier (tokens: readonly StaticToken[]): StaticTokenVerifier {
  const entries = tokens.map(({ name, token }) => ({ name, digest: digest(token) }))
  return {
    size: entries.length,
    verify (token) {
      const given = digest(token)
      let matched: string | null = null
      for (const entry of entries) {
        if (timingSafeEqual(given, entry.digest) && matched === null) matched = entry.name
      }
      return matched === null ? null : { id: matched, kind: 'static-token', scopes: SCOPES, token }
    }
  }
}
