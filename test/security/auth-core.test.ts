/**
 * The Fastify-free pieces of src/auth: Host/Origin rules, bearer parsing, static tokens, failed-auth backoff (fake
 * clock), quotas, MCP session guard, URL redaction and the AUTH_TOKENS/OAUTH_* config; and, over HTTP, that logged
 * URLs carry no session id, channel id or token.
 */
import t from 'tap'
import { Writable } from 'node:stream'
import { buildApp, serverOptions } from '../../src/app.js'
import { ConfigError, loadConfig, testConfig } from '../../src/config.js'
import { FailedAuthBackoff } from '../../src/auth/failed-auth-backoff.js'
import { createHostOriginGuard } from '../../src/auth/host-origin.js'
import { McpSessionGuard } from '../../src/auth/mcp-session-guard.js'
import { bearerTokenOf } from '../../src/auth/principal.js'
import { QuotaCounter } from '../../src/auth/quota.js'
import { redactUrl } from '../../src/auth/redact-url.js'
import { createStaticTokenVerifier } from '../../src/auth/static-tokens.js'

t.test('Host and Origin rules', async (t) => {
  const loop = createHostOriginGuard({ HOST: '127.0.0.1', ALLOWED_HOSTS: ['api.example.com:8443'], ALLOWED_ORIGINS: ['https://app.example.com'] })
  t.equal(loop.checkHost(undefined), 'Missing Host header')
  t.equal(loop.checkHost('localhost'), null)
  t.equal(loop.checkHost('LOCALHOST:1234'), null)
  t.equal(loop.checkHost('api.example.com:8443'), null)
  t.not(loop.checkHost('api.example.com:9999'), null, 'host:port entries pin the port')
  t.not(loop.checkHost('localhost.evil.com'), null)
  t.not(loop.checkHost('user@localhost'), null)
  t.equal(loop.checkOrigin(undefined, 'localhost'), null, 'no Origin: not a browser')
  t.equal(loop.checkOrigin('http://localhost:3000', 'localhost:3001'), null)
  t.equal(loop.checkOrigin('https://app.example.com', 'localhost'), null)
  t.not(loop.checkOrigin('null', 'localhost'), null)
  t.not(loop.checkOrigin('file://', 'localhost'), null)
  t.not(loop.checkOrigin('http://localhost.evil.com', 'localhost'), null)
  const exposed = createHostOriginGuard({ HOST: '0.0.0.0', ALLOWED_HOSTS: ['charts.example.com'], ALLOWED_ORIGINS: [] })
  t.not(exposed.checkOrigin('http://localhost:3000', 'charts.example.com'), null, 'localhost origins only when bound to loopback')
  t.equal(exposed.checkOrigin('http://charts.example.com', 'charts.example.com'), null, 'same origin')
})

t.test('bearer tokens: header only, Bearer scheme, RFC 6750 characters', async (t) => {
  t.equal(bearerTokenOf('Bearer abc.def-ghi_~+/='), 'abc.def-ghi_~+/=')
  t.equal(bearerTokenOf('bearer   abc'), 'abc', 'scheme is case-insensitive (RFC 7235)')
  t.equal(bearerTokenOf('Basic abc'), null)
  t.equal(bearerTokenOf('Bearer a b'), null)
  t.equal(bearerTokenOf(undefined), null)
  const verifier = createStaticTokenVerifier([{ name: 'alice', token: 'a'.repeat(20) }, { name: 'bob', token: 'b'.repeat(20) }])
  t.match(verifier.verify('b'.repeat(20)), { id: 'bob', kind: 'static-token', scopes: ['charts:read', 'charts:write'] })
  t.equal(verifier.verify('b'.repeat(19)), null)
  t.equal(verifier.verify(''), null)
})

t.test('failed-auth backoff: locks after N failures, doubles each lockout, refuses everything while locked', async (t) => {
  let now = 1_000_000
  const backoff = new FailedAuthBackoff({ maxFailures: 3, windowMs: 60_000, baseLockMs: 1000, maxLockMs: 4000, now: () => now })
  t.equal(backoff.fail('ip'), 0)
  t.equal(backoff.fail('ip'), 0)
  t.equal(backoff.fail('ip'), 1000, 'third failure locks for the base time')
  t.equal(backoff.retryAfterMs('ip'), 1000)
  t.equal(backoff.retryAfterMs('other'), 0, 'per key')
  now += 1000
  t.equal(backoff.retryAfterMs('ip'), 0, 'unlocked after the lockout')
  backoff.fail('ip')
  backoff.fail('ip')
  t.equal(backoff.fail('ip'), 2000, 'the next lockout doubles')
  now += 2000
  for (let i = 0; i < 2; i++) backoff.fail('ip')
  t.equal(backoff.fail('ip'), 4000)
  now += 4000
  for (let i = 0; i < 2; i++) backoff.fail('ip')
  t.equal(backoff.fail('ip'), 4000, 'capped at maxLockMs')
  now += 4000 + 60_001
  t.equal(backoff.fail('ip'), 0, 'a quiet window starts counting again')
  const bounded = new FailedAuthBackoff({ maxFailures: 1, windowMs: 1000, baseLockMs: 1000, maxLockMs: 1000, maxKeys: 2, now: () => now })
  bounded.fail('a')
  bounded.fail('b')
  bounded.fail('c')
  t.equal(bounded.retryAfterMs('a'), 0, 'the oldest key is forgotten past maxKeys')
  t.equal(bounded.retryAfterMs('c'), 1000)
})

t.test('quotas and the MCP session guard', async (t) => {
  const quota = new QuotaCounter(2)
  const first = quota.acquire('alice')
  const second = quota.acquire('alice')
  t.equal(quota.acquire('alice'), null)
  t.ok(quota.acquire('bob'))
  first?.()
  first?.()
  t.equal(quota.count('alice'), 1, 'release is idempotent')
  second?.()
  t.equal(quota.count('alice'), 0)

  const guard = new McpSessionGuard(1)
  const slot = await guard.reserve('alice')
  t.ok(slot)
  t.equal(await guard.reserve('alice'), null)
  guard.bind('s1', 'alice', slot as () => void)
  t.equal(guard.allows('s1', 'alice'), true)
  t.equal(guard.allows('s1', 'bob'), false)
  t.equal(guard.allows('s1', null), false)
  t.equal(guard.allows('unknown', 'alice'), false)
  guard.forget('s1')
  guard.forget('s1')
  t.ok(await guard.reserve('alice'), 'the slot came back once')
})

t.test('URL redaction', async (t) => {
  t.equal(redactUrl('/mcp/legacy/messages?sessionId=6f1e-44'), '/mcp/legacy/messages?sessionId=[redacted]')
  t.equal(redactUrl('/mcp/events/secret-channel'), '/mcp/events/[redacted]')
  t.equal(redactUrl('/sse?clientId=abc&x=1'), '/sse?clientId=[redacted]&x=1')
  t.equal(redactUrl('/mcp/tools?access_token=eyJ&token=t'), '/mcp/tools?access_token=[redacted]&token=[redacted]')
  t.equal(redactUrl('/mcp/tools?q=%41'), '/mcp/tools?q=%41')
  t.equal(redactUrl('/charts/req_1_ab.png'), '/charts/req_1_ab.png')
})

t.test('config: AUTH_TOKENS and the OAuth pair, never echoing a token', async (t) => {
  t.same(loadConfig({ AUTH_TOKENS: 'alice:aaaaaaaaaaaaaaaa1, bob:bbbbbbbbbbbbbbbb:2' }).AUTH_TOKENS, [{ name: 'alice', token: 'aaaaaaaaaaaaaaaa1' }, { name: 'bob', token: 'bbbbbbbbbbbbbbbb:2' }])
  const short = t.throws(() => loadConfig({ AUTH_TOKENS: 'alice:short-secret' })) as ConfigError
  t.match(short.message, /the token of alice must be at least 16 characters/)
  t.notMatch(short.message, /short-secret/)
  t.throws(() => loadConfig({ AUTH_TOKENS: 'no-colon-here-0123456789' }), /name:token/)
  t.throws(() => loadConfig({ AUTH_TOKENS: 'token:aaaaaaaaaaaaaaaaaaaa' }), /not "token"/, 'the unnamed AUTH_TOKEN\'s principal name is reserved')
  t.throws(() => loadConfig({ OAUTH_ISSUER: 'https://auth.example.com' }), /OAUTH_ISSUER and OAUTH_JWKS_URL go together/)
})

t.test('logged request URLs carry no session id, channel id or token', async (t) => {
  const config = testConfig({ DATA_DIR: t.testdir(), RENDER_WORKERS: 1, LOG_LEVEL: 'info' })
  let logged = ''
  const stream = new Writable({ write (chunk, _encoding, done) { logged += String(chunk); done() } })
  const app = await buildApp(config, { logger: { ...serverOptions(config).logger as object, stream } })
  t.teardown(async () => { await app.close() })
  await app.inject({ method: 'POST', url: '/mcp/legacy/messages?sessionId=secret-session-1', headers: { host: 'localhost', authorization: 'Bearer secret-token-2' } })
  await app.inject({ url: '/sse?clientId=secret-channel-3', headers: { host: 'evil.example' } })
  await app.inject({ url: '/mcp/events/secret-channel-4', headers: { host: 'evil.example' } })
  t.match(logged, /\/mcp\/legacy\/messages\?sessionId=\[redacted\]/, 'the request was logged')
  for (const secret of ['secret-session-1', 'secret-token-2', 'secret-channel-3', 'secret-channel-4']) t.notOk(logged.includes(secret), `${secret} not logged`)
})
