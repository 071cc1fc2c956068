/**
 * The principal as MCP SDKs carry it: `AuthInfo` (SDK v1 `req.auth` → `extra.authInfo`; v2 `authInfo`), with the
 * principal id in `extra.principal` so tools can fill ToolCaller.principal. Structural, so it fits both SDK majors.
 */
import type { Principal } from './principal.js'

export interface McpAuthInfo {
  token: string
  clientId: string
  scopes: string[]
  expiresAt?: number
  extra: { principal: string }
}

export function authInfoOf (principal: Principal | null): McpAuthInfo | undefined {
  if (principal === null) return undefined
  return {
    token: principal.token,
    clientId: principal.clientId ?? principal.id,
    scopes: [...principal.scopes],
    ...(principal.expiresAt === undefined ? {} : { expiresAt: principal.expiresAt }),
    extra: { principal: principal.id }
  }
}

/** The principal id an SDK handed a handler (`extra.authInfo`), or null in open mode. */
export function principalIdOf (authInfo: { extra?: Record<string, unknown> } | undefined): string | null {
  const id = authInfo?.extra?.principal
  return typeof id === 'string' ? id : null
}
