/**
 * The access matrix of every registered route: no token, wrong token, another principal's token, an expired JWT, a
 * wrong-audience JWT, a JWT signed by a foreign key, a JWT without the route's scope, a forged Host, a forged
 * Origin and the right token. Expected statuses come from the same policy table the security plugin enforces
 * (src/auth/policy.ts), read through the routes the app itself registered (app.security.routes): a route without a
 * policy stops the boot, and a route this suite has no probe for fails it.
 */
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { ACCESS_POLICIES, type AccessFamily, type AccessPolicy } from '../../src/auth/policy.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer, holdStream, send, startIssuer, startSecureApp, type RawResponse } from './support.js'

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const DISCOVER = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } })
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'matrix', version: '1' } } })

interface Probe {
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
  /** Status with the right credentials. */
  ok: number
  /** The probe names a resource alice owns: another principal must get 404. */
  owned?: boolean
}

t.test('a route without an access policy stops the boot', async (t) => {
  const app = await buildApp(testConfig({ DATA_DIR: t.testdir(), RENDER_WORKERS: 1 }), { logger: false })
  app.get('/unpoliced', async () => ({ secret: true }))
  await t.rejects(async () => { await app.ready() }, /Routes without an access policy: GET \/unpoliced/)
  await app.close().catch(() => {})
})

t.test('every route × every credential case', async (t) => {
  const issuer = await startIssuer(t)
  // The matrix sends many bad tokens from one address: the backoff and rate limit are exercised in limits.test.ts.
  const { app, url } = await startSecureApp(t, issuer, { AUTH_FAILURES_MAX: 100_000, RATE_LIMIT_MAX: 0 })
  const alice = bearer(ALICE_TOKEN)
  const port = new URL(url).port

  // What alice owns: a chart (history row + image), an event channel on each registry, MCP sessions of both eras.
  const made = await send(url, '/mcp/tools/generate_chart', { method: 'POST', headers: { ...alice, 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'SP:SPX', width: 400, height: 300 }) })
  t.equal(made.status, 200, 'alice made a chart')
  const imagePath = new URL(/Image URL: (\S+)/.exec(JSON.parse(made.body).content[0].text)?.[1] ?? '').pathname
  const initialize = async (): Promise<string> => {
    const response = await send(url, '/mcp', { method: 'POST', headers: { ...alice, ...MCP_HEADERS }, body: INITIALIZE })
    return String(response.headers['mcp-session-id'])
  }
  const session = await initialize()
  const sessionToDelete = await initialize()
  const slashSessionToDelete = await initialize()
  await send(url, '/mcp', { method: 'POST', headers: { ...alice, ...MCP_HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })
  const legacy = await holdStream(t, url, '/mcp/legacy/sse', alice)
  const legacySession = /sessionId=([0-9a-f-]+)/.exec(legacy.first)?.[1] ?? ''
  t.ok(legacySession, 'alice has a legacy session')
  // Alice's channels exist (remembered after this first stream drops).
  t.equal((await send(url, '/mcp/events/alice-chan', { headers: { ...alice, accept: 'text/event-stream' } })).status, 200)
  t.equal((await send(url, '/sse?clientId=alice-sse', { headers: { ...alice, accept: 'text/event-stream' } })).status, 200)

  // Alice's /sse session: its messages URL is hers only.
  const sseSession = await holdStream(t, url, '/sse', alice)
  const messagesUrl = /"messagesUrl":"([^"]+)"/.exec(sseSession.first)?.[1] ?? ''
  t.match(messagesUrl, /^\/sse\/[A-Za-z0-9_-]{22}\/messages$/, 'alice has an /sse session')

  const json = { 'content-type': 'application/json' }
  const render = '/charts/render.png?symbol=SP:SPX&width=400&height=300'
  // Routes with parameters, bodies or special methods; a plain GET/HEAD route is probed at its own URL with ok 200.
  const probes: Record<string, Probe> = {
    'OPTIONS *': { method: 'OPTIONS', path: '/mcp', headers: { origin: `http://localhost:${port}`, 'access-control-request-method': 'POST' }, ok: 204 },
    'POST /mcp/initialize': { method: 'POST', path: '/mcp/initialize', headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }), ok: 200 },
    'POST /mcp/tools/list': { method: 'POST', path: '/mcp/tools/list', headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), ok: 200 },
    'POST /mcp/tools/call': { method: 'POST', path: '/mcp/tools/call', headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'health_check', arguments: {} } }), ok: 200 },
    'POST /mcp/tools/:toolName': { method: 'POST', path: '/mcp/tools/health_check', headers: json, body: '{}', ok: 200 },
    'GET /mcp/events/:clientId': { method: 'GET', path: '/mcp/events/alice-chan', headers: { accept: 'text/event-stream' }, ok: 200, owned: true },
    'GET /sse': { method: 'GET', path: '/sse?clientId=alice-sse', headers: { accept: 'text/event-stream' }, ok: 200, owned: true },
    'GET /charts/*': { method: 'GET', path: imagePath, ok: 200, owned: true },
    'HEAD /charts/*': { method: 'HEAD', path: imagePath, ok: 200, owned: true },
    'POST /mcp': { method: 'POST', path: '/mcp', headers: { ...MCP_HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), ok: 200, owned: true },
    'GET /mcp': { method: 'GET', path: '/mcp', headers: { accept: 'text/event-stream', 'mcp-session-id': session }, ok: 200, owned: true },
    'DELETE /mcp': { method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': sessionToDelete }, ok: 200, owned: true },
    'PUT /mcp': { method: 'PUT', path: '/mcp', ok: 405 },
    'PATCH /mcp': { method: 'PATCH', path: '/mcp', ok: 405 },
    'HEAD /mcp': { method: 'HEAD', path: '/mcp', ok: 405 },
    // The trailing-slash twin, probed with the sessionless 2026-07-28 era (the same family as the 2025 sessions).
    'POST /mcp/': { method: 'POST', path: '/mcp/', headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' }, body: DISCOVER, ok: 200 },
    'GET /mcp/': { method: 'GET', path: '/mcp/', headers: { accept: 'text/event-stream', 'mcp-session-id': session }, ok: 200, owned: true },
    'DELETE /mcp/': { method: 'DELETE', path: '/mcp/', headers: { 'mcp-session-id': slashSessionToDelete }, ok: 200, owned: true },
    'PUT /mcp/': { method: 'PUT', path: '/mcp/', ok: 405 },
    'PATCH /mcp/': { method: 'PATCH', path: '/mcp/', ok: 405 },
    'HEAD /mcp/': { method: 'HEAD', path: '/mcp/', ok: 405 },
    'POST /sse/:streamId/messages': { method: 'POST', path: messagesUrl, headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }), ok: 202, owned: true },
    'POST /chat': { method: 'POST', path: '/chat', headers: json, body: JSON.stringify({ message: 'help' }), ok: 200 },
    'GET /charts/render.png': { method: 'GET', path: render, ok: 200 },
    'HEAD /charts/render.png': { method: 'HEAD', path: render, ok: 200 },
    'GET /charts/render.jpeg': { method: 'GET', path: render.replace('.png', '.jpeg'), ok: 200 },
    'HEAD /charts/render.jpeg': { method: 'HEAD', path: render.replace('.png', '.jpeg'), ok: 200 },
    // @fastify/swagger-ui's page files (public like every page) and its redirect of static/index.html to /docs/.
    'GET /docs/static/*': { method: 'GET', path: '/docs/static/index.css', ok: 200 },
    'HEAD /docs/static/*': { method: 'HEAD', path: '/docs/static/index.css', ok: 200 },
    'GET /docs/static/index.html': { method: 'GET', path: '/docs/static/index.html', ok: 302 },
    'HEAD /docs/static/index.html': { method: 'HEAD', path: '/docs/static/index.html', ok: 302 },
    'GET /mcp/legacy/sse': { method: 'GET', path: '/mcp/legacy/sse', headers: { accept: 'text/event-stream' }, ok: 200 },
    'POST /mcp/legacy/messages': { method: 'POST', path: `/mcp/legacy/messages?sessionId=${legacySession}`, headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }), ok: 202, owned: true }
  }

  const routes = app.security.routes
  t.ok(routes.length > 20, `${routes.length} routes registered`)
  const families = new Set<AccessFamily>()
  const wrongAudience = await issuer.sign({ aud: 'https://some-other-server.example/mcp' })
  const expired = await issuer.sign({ aud: `${url}/mcp` }, { expiresIn: Math.floor(Date.now() / 1000) - 120 })
  const foreign = await issuer.signWithForeignKey({ aud: `${url}/mcp` })
  const readOnly = await issuer.sign({ aud: `${url}/mcp`, scope: 'charts:read' })

  for (const { method, url: pattern, access } of routes) {
    families.add(access)
    const policy: AccessPolicy = ACCESS_POLICIES[access]
    const key = `${method} ${pattern}`
    const literal = !pattern.includes(':') && !pattern.includes('*')
    const probe = probes[key] ?? (literal && (method === 'GET' || method === 'HEAD') ? { method, path: pattern, ok: 200 } : undefined)
    if (probe === undefined) {
      t.fail(`${key} (${access}) has no probe in this suite: add one`)
      continue
    }
    const protectedRoute = policy.auth === 'principal'
    const denied = (status: number): number => protectedRoute ? status : probe.ok
    const hostChecked = policy.checkHostOrigin ? 403 : probe.ok
    const cells: Array<{ name: string, headers: Record<string, string>, expected: number }> = [
      { name: 'no token', headers: {}, expected: denied(401) },
      { name: 'wrong token', headers: bearer('not-a-token-anyone-has'), expected: denied(401) },
      { name: 'expired JWT', headers: bearer(expired), expected: denied(401) },
      { name: 'wrong-audience JWT', headers: bearer(wrongAudience), expected: denied(401) },
      { name: 'JWT signed by a foreign key', headers: bearer(foreign), expected: denied(401) },
      { name: 'other principal', headers: bearer(BOB_TOKEN), expected: protectedRoute && probe.owned === true ? 404 : probe.ok },
      // A valid OAuth principal (not alice) with charts:read only: 403 where the route needs charts:write.
      { name: 'JWT without the scope', headers: bearer(readOnly), expected: protectedRoute && policy.scope === 'charts:write' ? 403 : protectedRoute && probe.owned === true ? 404 : probe.ok },
      { name: 'forged Host', headers: { ...alice, host: 'evil.example' }, expected: hostChecked },
      { name: 'forged Origin', headers: { ...alice, origin: 'http://evil.example' }, expected: hostChecked },
      { name: 'right token', headers: alice, expected: probe.ok }
    ]
    for (const cell of cells) {
      // A stream or a session-ending request only at the end, with the right token (the other cells never reach it).
      if (cell.name !== 'right token' && cell.expected === probe.ok && probe.owned === true) continue
      if (key.startsWith('DELETE /mcp') && cell.name !== 'right token' && cell.expected === probe.ok) continue
      const response: RawResponse = await send(url, probe.path, { method: probe.method, headers: { ...probe.headers, ...cell.headers }, body: probe.body })
      t.equal(response.status, cell.expected, `${key} [${access}] ${cell.name} → ${cell.expected}`)
      if (response.status === 401) {
        t.match(response.headers['www-authenticate'], new RegExp(`^Bearer .*resource_metadata="${url}/\\.well-known/oauth-protected-resource${policy.resource === 'mcp' ? '/mcp' : ''}".*scope="${policy.scope ?? ''}"`), `${key} 401 points to the metadata`)
      }
      if (response.status === 403 && cell.name === 'JWT without the scope') t.match(response.headers['www-authenticate'], /error="insufficient_scope"/)
    }
  }
  // Every family of the table is in use (a stale entry would mean an unenforced promise in README).
  for (const family of Object.keys(ACCESS_POLICIES) as AccessFamily[]) {
    if (family !== 'not-found') t.ok(families.has(family), `${family} is used by at least one route`)
  }
  const stranger = await send(url, '/no/such/route', { headers: { host: 'evil.example' } })
  t.equal(stranger.status, 403, 'an unknown URL is Host-checked too')
})

t.test('open mode: every protected route answers without a token; Host and Origin are still checked', async (t) => {
  const { app, url } = await (await import('../support/app.js')).startApp(t)
  for (const { method, url: pattern, access } of app.security.routes) {
    if (method !== 'GET' || pattern.includes(':') || pattern.includes('*') || ACCESS_POLICIES[access].checkHostOrigin === false) continue
    if (pattern === '/sse' || pattern === '/mcp' || pattern === '/mcp/' || pattern.startsWith('/mcp/legacy') || pattern.startsWith('/charts/render')) continue
    const expected = access === 'oauth-metadata' ? 404 : pattern === '/docs/static/index.html' ? 302 : 200
    t.equal((await send(url, pattern)).status, expected, `GET ${pattern} open`)
    t.equal((await send(url, pattern, { headers: { host: 'evil.example' } })).status, 403, `GET ${pattern} forged Host`)
  }
})
