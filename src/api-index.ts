/**
 * The catalogue behind `GET /api`: every route a person or a client can call,
 * with one line on what it does. `GET /api` shows only the entries the running server has actually mounted
 * (checked against the router), and test/rest.test.ts fails when a mounted route is missing here, so the index
 * can neither advertise a route that does not exist nor forget one that does.
 */
export type ApiMethod = 'GET' | 'POST' | 'DELETE'

export interface ApiRoute {
  method: ApiMethod
  /** The path as a person reads it (`:name` for a parameter). */
  path: string
  /** The router's pattern when it differs from `path` (e.g. a static prefix registered as a wildcard). */
  pattern?: string
  /** Which surface the route belongs to. */
  group: 'mcp' | 'mcp-legacy' | 'jsonrpc' | 'events' | 'sse' | 'rest' | 'charts' | 'health' | 'pages' | 'oauth'
  description: string
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: 'POST', path: '/mcp', group: 'mcp', description: 'MCP Streamable HTTP endpoint, both eras: 2026-07-28 (server/discover, per-request _meta, no session) and 2025-11-25 (initialize, Mcp-Session-Id); one JSON-RPC message per POST; answers JSON or an SSE stream with progress' },
  { method: 'GET', path: '/mcp', group: 'mcp', description: 'MCP Streamable HTTP (2025-11-25 sessions): the session\'s server-to-client SSE stream (resumable with Last-Event-ID)' },
  { method: 'DELETE', path: '/mcp', group: 'mcp', description: 'MCP Streamable HTTP (2025-11-25 sessions): ends the session named by Mcp-Session-Id' },
  { method: 'POST', path: '/mcp/', group: 'mcp', description: 'The same endpoint as POST /mcp (the path reverse proxies forward with location /mcp/)' },
  { method: 'GET', path: '/mcp/', group: 'mcp', description: 'The same as GET /mcp' },
  { method: 'DELETE', path: '/mcp/', group: 'mcp', description: 'The same as DELETE /mcp' },
  { method: 'GET', path: '/mcp/legacy/sse', group: 'mcp-legacy', description: 'Legacy MCP HTTP+SSE transport (2024-11-05): opens the stream; its first event names the POST URL' },
  { method: 'POST', path: '/mcp/legacy/messages', group: 'mcp-legacy', description: 'Legacy MCP HTTP+SSE transport: JSON-RPC messages for the session named by ?sessionId=' },
  { method: 'POST', path: '/mcp/initialize', group: 'jsonrpc', description: 'JSON-RPC initialize; the result also names the caller\'s event channel (clientId, eventsUrl)' },
  { method: 'POST', path: '/mcp/tools/list', group: 'jsonrpc', description: 'JSON-RPC tools/list' },
  { method: 'POST', path: '/mcp/tools/call', group: 'jsonrpc', description: 'JSON-RPC tools/call; send X-Client-Id to receive the call\'s chart_progress events on /mcp/events/<clientId>' },
  { method: 'GET', path: '/mcp/events/:clientId', group: 'events', description: 'Per-client SSE channel: named events connected, heartbeat, chart_progress (resumable with Last-Event-ID)' },
  { method: 'GET', path: '/sse', group: 'sse', description: 'Monitoring stream: unnamed data: messages of types connection, heartbeat, JSON-RPC notifications/chart_progress, error, close' },
  { method: 'GET', path: '/mcp/tools', group: 'rest', description: 'The tools as JSON: name, title, description, inputSchema, annotations' },
  { method: 'POST', path: '/mcp/tools/:toolName', group: 'rest', description: 'Calls a tool with the JSON body as its arguments; returns the MCP CallToolResult {content, isError?}; X-Client-Id routes progress' },
  { method: 'GET', path: '/api', group: 'rest', description: 'This index: every route this server serves, with what it does' },
  { method: 'GET', path: '/charts/:file', pattern: '/charts/*', group: 'charts', description: 'A stored chart image, /charts/<requestId>.png or .jpg' },
  { method: 'GET', path: '/mcp/health', group: 'health', description: 'Health report (200 ok/degraded, 503 unavailable): engine, connected event clients, uptime, version' },
  { method: 'GET', path: '/health', group: 'health', description: 'Same report as /mcp/health, at the path older clients use' },
  { method: 'GET', path: '/.well-known/oauth-protected-resource', group: 'oauth', description: 'RFC 9728 Protected Resource Metadata of this server (when OAUTH_ISSUER is set): the authorization server and scopes' },
  { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp', group: 'oauth', description: 'RFC 9728 Protected Resource Metadata of the MCP endpoint /mcp (when OAUTH_ISSUER is set)' },
  { method: 'GET', path: '/', group: 'pages', description: 'Chart studio: make a chart and watch its progress live' },
  { method: 'GET', path: '/sse-demo.html', group: 'pages', description: 'Demo page of the /sse stream: status, messages, message count and connection time' }
]

/** Which catalogue entries the running server serves, judged by `hasRoute` (the router's own answer). */
export function mountedRoutes (hasRoute: (method: ApiMethod, pattern: string) => boolean): ApiRoute[] {
  return API_ROUTES.filter((route) => hasRoute(route.method, route.pattern ?? route.path))
}
