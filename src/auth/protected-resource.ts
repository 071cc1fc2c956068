/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata and the `WWW-Authenticate` challenges that point to it (MCP
 * authorization 2026-07-28: servers MUST publish PRM with at least one authorization server, SHOULD name `scope` in
 * the challenge, answer 401 for a missing/invalid token and 403 `insufficient_scope` for a token without the scope).
 */
import { SCOPES, type Scope } from './policy.js'

export const PRM_PATH = '/.well-known/oauth-protected-resource'
/** The MCP endpoint this server's path-suffixed metadata describes (RFC 9728 §3.1: inserted before the path). */
export const MCP_RESOURCE_PATH = '/mcp'

export interface ProtectedResourceMetadata {
  resource: string
  authorization_servers: string[]
  scopes_supported: string[]
  bearer_methods_supported: string[]
  resource_name: string
}

/**
 * The resource identifiers this server answers to (RFC 8707 canonical URLs): the MCP endpoint and the server root.
 * A token whose audience is neither was issued for someone else.
 */
export function resourceIdentifiers (baseUrl: string): { server: string, mcp: string } {
  return { server: baseUrl, mcp: `${baseUrl}${MCP_RESOURCE_PATH}` }
}

export function metadataUrl (baseUrl: string, resource: 'mcp' | 'server'): string {
  return `${baseUrl}${PRM_PATH}${resource === 'mcp' ? MCP_RESOURCE_PATH : ''}`
}

export function protectedResourceMetadata (baseUrl: string, resource: 'mcp' | 'server', issuer: string): ProtectedResourceMetadata {
  const ids = resourceIdentifiers(baseUrl)
  return {
    resource: ids[resource],
    authorization_servers: [issuer],
    scopes_supported: [...SCOPES],
    // Never `query`: tokens in URLs end up in logs and histories (MCP authorization, "Token Requirements").
    bearer_methods_supported: ['header'],
    resource_name: 'chart-img-mcp'
  }
}

function quoted (value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`
}

export interface Challenge {
  /** Absent for a request with no credentials (RFC 6750 §3.1). */
  error?: 'invalid_token' | 'insufficient_scope'
  description?: string
  scope: Scope
  /** The PRM URL, when OAuth is configured. */
  resourceMetadata?: string
}

/** `Bearer realm=…, resource_metadata=…, scope=…[, error=…, error_description=…]` */
export function bearerChallenge (challenge: Challenge): string {
  const parts = [`realm=${quoted('chart-img-mcp')}`]
  if (challenge.resourceMetadata !== undefined) parts.push(`resource_metadata=${quoted(challenge.resourceMetadata)}`)
  parts.push(`scope=${quoted(challenge.scope)}`)
  if (challenge.error !== undefined) parts.push(`error=${quoted(challenge.error)}`)
  if (challenge.description !== undefined) parts.push(`error_description=${quoted(challenge.description)}`)
  return `Bearer ${parts.join(', ')}`
}
