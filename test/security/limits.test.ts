/**
 * Limits under a scripted burst: the abusive principal gets 429 (rate limit, SSE channel quota, MCP session quota)
 * while another principal in the same run is still served; failed authentications lock an address out, even for a
 * right token. Timing (the other principal's p99) is measured in bench/security-burst.ts, not here.
 */
import t from 'tap'
import { startApp } from '../support/app.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer, holdStream, send, startIssuer, startSecureApp } from './support.js'

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'burst', version: '1' } } })

t.test('rate limit per principal: the bursting principal gets 429 + Retry-After, the other is still served', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, { RATE_LIMIT_MAX: 20, RATE_LIMIT_WINDOW_MS: 60_000 })
  const statuses = await Promise.all(Array.from({ length: 30 }, async () => (await fetch(`${url}/mcp/tools`, { headers: bearer(ALICE_TOKEN) })).status))
  t.equal(statuses.filter((s) => s === 200).length, 20)
  t.equal(statuses.filter((s) => s === 429).length, 10)
  const limited = await fetch(`${url}/mcp/tools`, { headers: bearer(ALICE_TOKEN) })
  t.equal(limited.status, 429)
  t.ok(Number(limited.headers.get('retry-after')) > 0, 'Retry-After')
  t.match(await limited.json(), { statusCode: 429, error: /Rate limit exceeded/ })
  const jsonRpc = await fetch(`${url}/mcp/tools/list`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ALICE_TOKEN) }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) })
  t.match(await jsonRpc.json(), { jsonrpc: '2.0', error: { message: /Rate limit exceeded/ } }, 'JSON-RPC routes answer in JSON-RPC')
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer(BOB_TOKEN) })).status, 200, 'bob is not limited by alice')
  t.equal((await fetch(`${url}/health`)).status, 200, 'health is never limited')
})

t.test('open mode: the rate limit counts per address', async (t) => {
  const { url } = await startApp(t, { RATE_LIMIT_MAX: 5 })
  const statuses: number[] = []
  for (let i = 0; i < 7; i++) statuses.push((await fetch(`${url}/mcp/tools`)).status)
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429])
})

t.test('failed authentications lock the address out, then even the right token waits', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, { AUTH_FAILURES_MAX: 5, AUTH_LOCKOUT_MS: 60_000 })
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await fetch(`${url}/mcp/tools`, { headers: bearer(`guess-${i}`) })).status)
  t.same(statuses, [401, 401, 401, 401, 429, 429])
  const locked = await fetch(`${url}/mcp/tools`, { headers: bearer(ALICE_TOKEN) })
  t.equal(locked.status, 429, 'a right guess during the lockout is not told apart')
  t.ok(Number(locked.headers.get('retry-after')) >= 50)
  t.equal((await fetch(`${url}/.well-known/oauth-protected-resource`)).status, 200, 'public routes stay reachable')
})

t.test('SSE channels per principal: a third stream of alice gets 429, bob still connects', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, { SSE_CHANNELS_PER_PRINCIPAL: 2 })
  t.equal((await holdStream(t, url, '/mcp/events/a1', bearer(ALICE_TOKEN))).status, 200)
  t.equal((await holdStream(t, url, '/sse?clientId=a2', bearer(ALICE_TOKEN))).status, 200, 'both registries hold their own quota')
  t.equal((await holdStream(t, url, '/mcp/events/a2', bearer(ALICE_TOKEN))).status, 200)
  const third = await send(url, '/mcp/events/a3', { headers: { accept: 'text/event-stream', ...bearer(ALICE_TOKEN) } })
  t.equal(third.status, 429)
  t.equal(third.headers['retry-after'], '5')
  t.match(JSON.parse(third.body), { code: 'SSE_CHANNEL_QUOTA' })
  t.equal((await holdStream(t, url, '/mcp/events/b1', bearer(BOB_TOKEN))).status, 200)
  // A reconnect of one's own channel replaces it, so it always fits.
  t.equal((await holdStream(t, url, '/mcp/events/a1', bearer(ALICE_TOKEN))).status, 200)
})

t.test('MCP sessions per principal: a burst of initialize without DELETE locks out only its sender', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, { MCP_SESSIONS_PER_PRINCIPAL: 5, MAX_SESSIONS: 8 })
  const burst = await Promise.all(Array.from({ length: 20 }, async () => await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(ALICE_TOKEN) }, body: INITIALIZE })))
  t.equal(burst.filter((r) => r.status === 200).length, 5)
  const refused = burst.filter((r) => r.status === 429)
  t.equal(refused.length, 15)
  t.ok(Number(refused[0].headers.get('retry-after')) > 0)
  t.match(await refused[0].json(), { jsonrpc: '2.0', error: { message: /most one client may/ } })
  const bob = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(BOB_TOKEN) }, body: INITIALIZE })
  t.equal(bob.status, 200, 'another principal still gets a session')
  // Ending a session frees its slot.
  const sessionId = String(burst.find((r) => r.status === 200)?.headers.get('mcp-session-id'))
  t.equal((await fetch(`${url}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...bearer(ALICE_TOKEN) } })).status, 200)
  t.equal((await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(ALICE_TOKEN) }, body: INITIALIZE })).status, 200)
  // Legacy sessions share the quota.
  t.equal((await send(url, '/mcp/legacy/sse', { headers: { accept: 'text/event-stream', ...bearer(ALICE_TOKEN) } })).status, 429)
})

t.test('RATE_LIMIT_PER_SECOND: a burst within the window\'s limit is still cut per second, per principal', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, { RATE_LIMIT_MAX: 1000, RATE_LIMIT_PER_SECOND: 5 })
  // 40 at once: even a machine so loaded that they spread over several seconds refuses some of them.
  const responses = await Promise.all(Array.from({ length: 40 }, async () => await fetch(`${url}/mcp/tools`, { headers: bearer(ALICE_TOKEN) })))
  t.ok(responses.every((r) => r.status === 200 || r.status === 429), 'each answered 200 or 429')
  const refused = responses.filter((r) => r.status === 429)
  t.ok(refused.length > 0, 'some refused')
  t.equal(refused[0].headers.get('retry-after'), '1', 'Retry-After: the rest of the second')
  t.match(await refused[0].json(), { statusCode: 429, error: /Rate limit exceeded \(5 requests per 1 s\)/ })
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer(BOB_TOKEN) })).status, 200, 'bob counts on his own')
})
