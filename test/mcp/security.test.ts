/**
 * Host/Origin validation (DNS rebinding) and bearer auth on the MCP routes, over real HTTP with forged headers.
 * node:http is used because fetch() does not let a caller set Host.
 */
import t from 'tap'
import { request } from 'node:http'
import Fastify from 'fastify'
import { testConfig } from '../../src/config.js'
import configPlugin from '../../plugins/config.js'
import securityPlugin, { createRequestGuard } from '../../plugins/security.js'
import { connectClient, INITIALIZE, MCP_HEADERS, startMcpApp } from './helper.js'

async function post (url: string, headers: Record<string, string>, body: unknown = INITIALIZE): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, body: string }> {
  const target = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...MCP_HEADERS, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }) })
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

t.test('forged Host or Origin → 403 with a JSON-RPC error body; localhost accepted', async (t) => {
  const { url } = await startMcpApp(t)
  const port = new URL(url).port
  const refused: Array<Record<string, string>> = [{ host: 'evil.example.com' }, { host: `evil.example.com:${port}` }, { origin: 'http://evil.example.com' }, { host: `localhost:${port}`, origin: 'null' }]
  for (const headers of refused) {
    const response = await post(url, headers)
    t.equal(response.status, 403, JSON.stringify(headers))
    t.match(JSON.parse(response.body), { jsonrpc: '2.0', id: null, error: { code: -32000, message: /Invalid (Host|Origin) header/ } })
  }
  const accepted: Array<Record<string, string>> = [{ host: `localhost:${port}` }, { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` }, { host: `[::1]:${port}`, origin: 'http://127.0.0.1:5173' }]
  for (const headers of accepted) {
    const response = await post(url, headers)
    t.equal(response.status, 200, JSON.stringify(headers))
  }
  const legacy = await post(url.replace('/mcp', '/mcp/legacy/messages?sessionId=x'), { host: 'evil.example.com' })
  t.equal(legacy.status, 403, 'legacy routes are guarded too')
})

t.test('ALLOWED_HOSTS and ALLOWED_ORIGINS extend the lists; same-origin pages are accepted', async (t) => {
  const { url } = await startMcpApp(t, { ALLOWED_HOSTS: ['charts.example.com'], ALLOWED_ORIGINS: ['https://app.example.com'] })
  t.equal((await post(url, { host: 'charts.example.com' })).status, 200)
  t.equal((await post(url, { host: 'charts.example.com', origin: 'https://app.example.com' })).status, 200)
  t.equal((await post(url, { host: 'charts.example.com', origin: 'http://charts.example.com' })).status, 200, 'same origin')
  t.equal((await post(url, { host: 'other.example.com' })).status, 403)
  t.equal((await post(url, { host: 'charts.example.com', origin: 'https://evil.example.com' })).status, 403)
})

t.test('bearer auth when AUTH_TOKEN is set', async (t) => {
  const token = 'a-long-enough-test-token-123'
  const { url } = await startMcpApp(t, { AUTH_TOKEN: token })
  const none = await post(url, {})
  t.equal(none.status, 401)
  t.match(none.headers['www-authenticate'], /^Bearer realm="chart-img-mcp"$/)
  t.match(JSON.parse(none.body), { jsonrpc: '2.0', id: null, error: { code: -32000 } })
  const wrong = await post(url, { authorization: 'Bearer wrong-token' })
  t.equal(wrong.status, 401)
  t.match(wrong.headers['www-authenticate'], /error="invalid_token"/)
  t.equal((await post(url, { authorization: `Basic ${token}` })).status, 401, 'only the Bearer scheme')
  t.equal((await post(url, { authorization: `Bearer ${token}` })).status, 200)
  t.equal((await post(url, { host: 'evil.example.com', authorization: `Bearer ${token}` })).status, 403, 'a token does not bypass Host checks')

  const { client } = await connectClient(t, url, { headers: { authorization: `Bearer ${token}` } })
  const { tools } = await client.listTools()
  t.equal(tools.length, 5, 'the SDK client works with the token')
})

t.test('routes opt in with config flags; unflagged routes are not checked', async (t) => {
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: testConfig({ AUTH_TOKEN: 'another-long-test-token-456' }) })
  await app.register(securityPlugin)
  app.get('/open', async () => ({ ok: true }))
  app.get('/api/thing', { config: { apiRoute: true } }, async () => ({ ok: true }))
  t.teardown(async () => { await app.close() })
  t.equal((await app.inject({ url: '/open', headers: { host: 'evil.example.com' } })).statusCode, 200)
  const refused = await app.inject({ url: '/api/thing', headers: { host: 'evil.example.com' } })
  t.equal(refused.statusCode, 403)
  t.same(refused.json(), { error: 'Invalid Host header: evil.example.com', statusCode: 403 }, 'API routes get the API error shape')
  const unauth = await app.inject({ url: '/api/thing', headers: { host: 'localhost' } })
  t.equal(unauth.statusCode, 401)
  t.equal((await app.inject({ url: '/api/thing', headers: { host: 'localhost', authorization: 'Bearer another-long-test-token-456' } })).statusCode, 200)
})

t.test('createRequestGuard rules', async (t) => {
  const loop = createRequestGuard({ HOST: '127.0.0.1', ALLOWED_HOSTS: ['api.example.com:8443'], ALLOWED_ORIGINS: [], AUTH_TOKEN: undefined })
  t.equal(loop.checkHost(undefined), 'Missing Host header')
  t.equal(loop.checkHost('localhost'), null)
  t.equal(loop.checkHost('LOCALHOST:1234'), null)
  t.equal(loop.checkHost('api.example.com:8443'), null)
  t.not(loop.checkHost('api.example.com:9999'), null, 'host:port entries pin the port')
  t.not(loop.checkHost('localhost.evil.com'), null)
  t.not(loop.checkHost('user@localhost'), null)
  t.equal(loop.checkOrigin('http://localhost:3000', 'localhost:3001'), null)
  t.not(loop.checkOrigin('file://', 'localhost'), null)
  t.not(loop.checkOrigin('http://localhost.evil.com', 'localhost'), null)
  t.equal(loop.authRequired, false)
  t.equal(loop.checkBearer(undefined), true)
  const pub = createRequestGuard({ HOST: '0.0.0.0', ALLOWED_HOSTS: [], ALLOWED_ORIGINS: [], AUTH_TOKEN: 'x'.repeat(20) })
  t.not(pub.checkOrigin('http://localhost:3000', 'localhost'), null, 'localhost origins only when bound to loopback… unless same-origin')
  t.equal(pub.checkOrigin('http://localhost', 'localhost'), null, 'same-origin localhost')
  t.equal(pub.checkBearer(`Bearer ${'x'.repeat(20)}`), true)
  t.equal(pub.checkBearer(`bearer   ${'x'.repeat(20)}`), true, 'scheme is case-insensitive (RFC 7235)')
  t.equal(pub.checkBearer(`Bearer ${'x'.repeat(19)}`), false)
})
