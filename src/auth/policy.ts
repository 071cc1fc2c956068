/**
 * The access policy table: who may use each family of routes, and how a refusal is written. Every route names its
 * family in its own declaration (`config: { access: 'rest-read' }`, typed in plugins/security.ts); the security plugin
 * enforces the table and refuses to boot when a route names none, and the security test suite
 * (test/security/route-matrix.test.ts) derives every expected status from the same table.
 *
 * MCP authorization (2026-07-28, basic/authorization): a protected route answers 401 with
 * `WWW-Authenticate: Bearer resource_metadata=…, scope=…` without a valid token, 403 `insufficient_scope` without
 * the scope it needs, and 404 (never 403: no existence oracle) for a resource another principal owns.
 */

/** OAuth scopes this server understands. Static tokens carry all of them. */
export const SCOPES = ['charts:read', 'charts:write'] as const
export type Scope = typeof SCOPES[number]

export interface AccessPolicy {
  /** 'public': anyone, no credentials read. 'principal': an authenticated principal whenever auth is configured. */
  readonly auth: 'public' | 'principal'
  /** The scope an OAuth token must carry (with 'principal'). */
  readonly scope?: Scope
  /** Host and Origin validated (DNS rebinding, spec transports §Security). Only health probes are exempt. */
  readonly checkHostOrigin: boolean
  /** Per-principal (per-IP before authentication) rate limit. */
  readonly rateLimited: boolean
  /** How refusals are written: JSON-RPC error bodies or the REST `{ error, statusCode }` shape. */
  readonly errors: 'json-rpc' | 'rest'
  /** Which RFC 9728 metadata document a 401 points to: the MCP endpoint's (path-suffixed) or the server's. */
  readonly resource: 'mcp' | 'server'
  /** One line for README and the test report. */
  readonly summary: string
}

const PUBLIC = { auth: 'public', checkHostOrigin: true, rateLimited: false, errors: 'rest', resource: 'server' } as const

export const ACCESS_POLICIES = {
  page: { ...PUBLIC, summary: 'Static pages (studio, SSE demo): public; what they fetch is not' },
  'cors-preflight': { ...PUBLIC, summary: 'CORS preflight (OPTIONS *) added by @fastify/cors: public' },
  health: { ...PUBLIC, checkHostOrigin: false, summary: 'Health probes: open to anyone, any Host (status, engine, counts: nothing secret)' },
  'oauth-metadata': { ...PUBLIC, summary: 'RFC 9728 Protected Resource Metadata: public (clients discover the issuer here)' },
  mcp: { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'json-rpc', resource: 'mcp', summary: 'MCP Streamable HTTP /mcp (both eras)' },
  'mcp-legacy': { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'json-rpc', resource: 'mcp', summary: 'MCP HTTP+SSE 2024-11-05 (/mcp/legacy/*)' },
  'json-rpc': { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'json-rpc', resource: 'server', summary: 'Seed JSON-RPC reads (POST /mcp/initialize, /mcp/tools/list)' },
  'json-rpc-call': { auth: 'principal', scope: 'charts:write', checkHostOrigin: true, rateLimited: true, errors: 'json-rpc', resource: 'server', summary: 'Seed JSON-RPC tool calls (POST /mcp/tools/call)' },
  'rest-read': { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'rest', resource: 'server', summary: 'REST reads (GET /mcp/tools, GET /api)' },
  'rest-call': { auth: 'principal', scope: 'charts:write', checkHostOrigin: true, rateLimited: true, errors: 'rest', resource: 'server', summary: 'REST tool calls (POST /mcp/tools/:toolName)' },
  events: { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'rest', resource: 'server', summary: 'Per-client event channel GET /mcp/events/:clientId' },
  sse: { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'rest', resource: 'server', summary: 'Seed 000 event stream GET /sse' },
  'chart-image': { auth: 'principal', scope: 'charts:read', checkHostOrigin: true, rateLimited: true, errors: 'rest', resource: 'server', summary: 'Stored chart images GET /charts/<requestId>.png|jpg' },
  // Scrapers reach each instance at its own address (no name in ALLOWED_HOSTS) and send a bearer token, no Origin: the
  // Host check is off as for health probes; the token is required whenever auth is on. Not rate limited: a scrape
  // every few seconds must not use up the principal's budget.
  metrics: { auth: 'principal', scope: 'charts:read', checkHostOrigin: false, rateLimited: false, errors: 'rest', resource: 'server', summary: 'Prometheus metrics GET /metrics: a principal when auth is on, any Host (scrapers address each instance)' },
  'not-found': { ...PUBLIC, summary: 'Any URL no route serves: 404 after the Host/Origin check' }
} as const satisfies Record<string, AccessPolicy>

/** The name a route declares in `config.access`. */
export type AccessFamily = keyof typeof ACCESS_POLICIES

export function isAccessFamily (value: unknown): value is AccessFamily {
  return typeof value === 'string' && Object.hasOwn(ACCESS_POLICIES, value)
}

/**
 * The scope one MCP message needs beyond its route's `charts:read`: a `tools/call` of a tool that is not read-only
 * makes something (a chart, its history row and image), as `POST /mcp/tools/call` does, so it needs `charts:write`.
 * `isReadOnlyTool` answers from the tool's own `readOnlyHint`; a tool nobody declares is left to the call's own error.
 */
export function scopeOfMcpMessage (message: unknown, isReadOnlyTool: (name: string) => boolean | undefined): Scope | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined
  const { method, params } = message as { method?: unknown, params?: { name?: unknown } }
  if (method !== 'tools/call' || typeof params?.name !== 'string') return undefined
  return isReadOnlyTool(params.name) === false ? 'charts:write' : undefined
}
