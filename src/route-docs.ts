/**
 * What each route is for, in one line, keyed by method and the router's pattern: the summaries and tags of the
 * OpenAPI document at /docs (plugins/external/openapi.ts). The routes themselves (paths, methods, parameters, bodies,
 * responses) come from the app's router and the route schemas; test/openapi.test.ts fails when a registered route
 * has no entry here, so a new route cannot reach /docs undescribed.
 */
export type RouteTag = 'mcp' | 'mcp-legacy' | 'jsonrpc' | 'events' | 'sse' | 'rest' | 'charts' | 'health' | 'pages' | 'docs' | 'oauth'

/** One route's entry in the OpenAPI document. */
export interface RouteDoc {
  tag: RouteTag
  summary: string
}

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'POST /mcp': { tag: 'mcp', summary: 'MCP Streamable HTTP endpoint, both eras: 2026-07-28 (server/discover, per-request _meta, no session) and 2025-11-25 (initialize, Mcp-Session-Id); one JSON-RPC message per POST; answers JSON or an SSE stream with progress' },
  'GET /mcp': { tag: 'mcp', summary: 'MCP Streamable HTTP (2025-11-25 sessions): the session\'s server-to-client SSE stream (resumable with Last-Event-ID)' },
  'DELETE /mcp': { tag: 'mcp', summary: 'MCP Streamable HTTP (2025-11-25 sessions): ends the session named by Mcp-Session-Id' },
  'POST /mcp/': { tag: 'mcp', summary: 'The same endpoint as POST /mcp (the path reverse proxies forward with location /mcp/)' },
  'GET /mcp/': { tag: 'mcp', summary: 'The same as GET /mcp' },
  'DELETE /mcp/': { tag: 'mcp', summary: 'The same as DELETE /mcp' },
  'GET /mcp/legacy/sse': { tag: 'mcp-legacy', summary: 'Legacy MCP HTTP+SSE transport (2024-11-05): opens the stream; its first event names the POST URL' },
  'POST /mcp/legacy/messages': { tag: 'mcp-legacy', summary: 'Legacy MCP HTTP+SSE transport: JSON-RPC messages for the session named by ?sessionId=' },
  'POST /mcp/initialize': { tag: 'jsonrpc', summary: 'JSON-RPC initialize; the result also names the caller\'s event channel (clientId, eventsUrl)' },
  'POST /mcp/tools/list': { tag: 'jsonrpc', summary: 'JSON-RPC tools/list' },
  'POST /mcp/tools/call': { tag: 'jsonrpc', summary: 'JSON-RPC tools/call; send X-Client-Id to receive the call\'s chart_progress events on /mcp/events/<clientId>' },
  'GET /mcp/events/:clientId': { tag: 'events', summary: 'Per-client SSE channel: named events connected, heartbeat, chart_progress (resumable with Last-Event-ID)' },
  'GET /sse': { tag: 'sse', summary: 'Session stream: unnamed data: messages — connection (names messagesUrl), heartbeat, JSON-RPC answers and progress, error, close' },
  'POST /sse/:streamId/messages': { tag: 'sse', summary: 'One JSON-RPC request (initialize, tools/list, tools/call) for the /sse stream that named this URL: 202, the answer arrives on the stream' },
  'GET /mcp/tools': { tag: 'rest', summary: 'The tools as JSON: name, title, description, inputSchema, annotations' },
  'POST /mcp/tools/:toolName': { tag: 'rest', summary: 'Calls a tool with the JSON body as its arguments; returns the MCP CallToolResult {content, isError?}; X-Client-Id routes progress' },
  'GET /api': { tag: 'docs', summary: 'Where the API is described: the OpenAPI document (/docs/json) and its browsable page (/docs)' },
  'GET /charts/render.png': { tag: 'charts', summary: 'A chart as the response (PNG): generate_chart\'s scalar arguments as query parameters, e.g. ?symbol=SP:SPX&interval=1W; cached' },
  'GET /charts/render.jpeg': { tag: 'charts', summary: 'A chart as the response (JPEG): generate_chart\'s scalar arguments as query parameters; cached' },
  'GET /charts/*': { tag: 'charts', summary: 'A stored chart image, /charts/<requestId>.png or .jpg' },
  'GET /mcp/health': { tag: 'health', summary: 'Health report (200 ok/degraded, 503 unavailable): engine, connected event clients, uptime, version, Redis reachability when REDIS_URL is set' },
  'GET /mcp/health/ready': { tag: 'health', summary: 'Readiness for load balancers: 200 when this instance can take work, 503 when no chart can be made or Redis (REDIS_URL) is unreachable' },
  'GET /.well-known/oauth-protected-resource': { tag: 'oauth', summary: 'RFC 9728 Protected Resource Metadata of this server (when OAUTH_ISSUER is set): the authorization server and scopes' },
  'GET /.well-known/oauth-protected-resource/mcp': { tag: 'oauth', summary: 'RFC 9728 Protected Resource Metadata of the MCP endpoint /mcp (when OAUTH_ISSUER is set)' },
  'GET /metrics': { tag: 'health', summary: 'Prometheus metrics (text exposition): open channels and sessions, events published/delivered/dropped, replays, render queue and durations, Chart-IMG calls, Redis errors; same names on every instance' },
  'GET /health': { tag: 'health', summary: 'Same report as /mcp/health, at the path older clients use' },
  'POST /chat': { tag: 'rest', summary: 'Chat: {message} → {response, toolCalls}; a model agent over the tools when LLM_BASE_URL/LLM_MODEL are set, else commands (send "help")' },
  'GET /': { tag: 'pages', summary: 'Chat page: ask for charts in words or commands; charts shown inline with live progress' },
  'GET /studio': { tag: 'pages', summary: 'Chart studio: make a chart from a form and watch its progress live' },
  'GET /sse-demo.html': { tag: 'pages', summary: 'Demo page of the /sse stream: sends requests and shows their answers, progress and charts' }
}

/** The entry of `method url` (url as the router has it, `:param` and `*`), if any. */
export function routeDoc (method: string, url: string): RouteDoc | undefined {
  return ROUTE_DOCS[`${method} ${url}`]
}
