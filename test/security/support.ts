/**
 * Helpers for the security suite: a small OAuth authorization server on 127.0.0.1 (RFC 8414 metadata, a JWKS made
 * in the test with jose, a client_credentials token endpoint), the app in auth mode, and a raw HTTP client that can
 * forge Host (fetch cannot).
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose'
import { startApp, type RunningApp } from '../support/app.js'
import type { Config } from '../../src/config.js'

interface TestLike {
  testdir: () => string
  teardown: (fn: () => Promise<void> | void) => void
}

export const ALICE_TOKEN = 'alice-static-token-0123456789'
export const BOB_TOKEN = 'bob-static-token-9876543210'
/** Credentials the test issuer accepts for the client_credentials grant. */
export const OAUTH_CLIENT = { id: 'chart-agent', secret: 'chart-agent-secret' }

export interface Issuer {
  /** http://127.0.0.1:PORT (the `iss` of its tokens) */
  url: string
  jwksUrl: string
  /** Tokens issued by the token endpoint so far. */
  issued: number
  /** Signs a token with the issuer's key; claims override the defaults (iss, sub, exp in 5 minutes). */
  sign: (claims: JWTPayload & { aud: string | string[] }, options?: { expiresIn?: string | number }) => Promise<string>
  /** A token signed by a key that is not in the JWKS. */
  signWithForeignKey: (claims: JWTPayload & { aud: string | string[] }) => Promise<string>
}

async function readBody (request: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of request) text += String(chunk)
  return text
}

export async function startIssuer (t: TestLike): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  const foreign = await generateKeyPair('ES256')
  const jwk = { ...await exportJWK(publicKey), kid: 'test-key', alg: 'ES256', use: 'sig' }
  let url = ''
  const issuer: Issuer = {
    get url () { return url },
    get jwksUrl () { return `${url}/jwks` },
    issued: 0,
    async sign (claims, options = {}) {
      return await new SignJWT({ scope: 'charts:read charts:write', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setIssuer(claims.iss ?? url)
        .setSubject(claims.sub ?? 'oauth-user')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(privateKey)
    },
    async signWithForeignKey (claims) {
      return await new SignJWT({ scope: 'charts:read charts:write', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setIssuer(url).setSubject('mallory').setIssuedAt().setExpirationTime('5m')
        .sign(foreign.privateKey)
    }
  }

  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body))
    }
    const path = (req.url ?? '/').split('?')[0]
    if (req.method === 'GET' && path === '/.well-known/oauth-authorization-server') {
      return send(200, {
        issuer: url,
        // RFC 8414 requires it with response_types_supported; this issuer grants client_credentials only (it refuses).
        authorization_endpoint: `${url}/authorize`,
        token_endpoint: `${url}/token`,
        jwks_uri: `${url}/jwks`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        response_types_supported: ['code'],
        scopes_supported: ['charts:read', 'charts:write']
      })
    }
    if (req.method === 'GET' && path === '/jwks') return send(200, { keys: [jwk] })
    if (req.method === 'POST' && path === '/token') {
      readBody(req).then(async (text) => {
        const form = new URLSearchParams(text)
        const basic = Buffer.from(OAUTH_CLIENT.id + ':' + OAUTH_CLIENT.secret).toString('base64')
        if (req.headers.authorization !== `Basic ${basic}`) return send(401, { error: 'invalid_client' })
        if (form.get('grant_type') !== 'client_credentials') return send(400, { error: 'unsupported_grant_type' })
        const resource = form.get('resource')
        if (resource === null) return send(400, { error: 'invalid_target', error_description: 'resource (RFC 8707) is required' })
        const scope = form.get('scope') ?? 'charts:read'
        issuer.issued++
        const token = await issuer.sign({ aud: resource, sub: OAUTH_CLIENT.id, scope, client_id: OAUTH_CLIENT.id })
        send(200, { access_token: token, token_type: 'Bearer', expires_in: 300, scope })
      }).catch(() => { send(500, { error: 'server_error' }) })
      return
    }
    send(404, { error: 'not_found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  return issuer
}

/** The app with two static principals (alice, bob) and the test issuer's OAuth tokens. */
export async function startSecureApp (t: TestLike, issuer: Issuer, overrides: Partial<Config> = {}): Promise<RunningApp> {
  return await startApp(t, {
    AUTH_TOKENS: [{ name: 'alice', token: ALICE_TOKEN }, { name: 'bob', token: BOB_TOKEN }],
    OAUTH_ISSUER: issuer.url,
    OAUTH_JWKS_URL: issuer.jwksUrl,
    ...overrides
  })
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * One request over node:http (Host can be forged). An open event stream (200 text/event-stream) resolves as soon as
 * its headers are in, with an empty body, and the connection is dropped: the status is the answer, and a stream may
 * send its first bytes only at its first keep-alive (15 s for GET /mcp).
 */
export async function send (base: string, path: string, options: { method?: string, headers?: Record<string, string>, body?: string } = {}): Promise<RawResponse> {
  const target = new URL(base)
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream') && res.statusCode === 200) {
        resolve({ status: res.statusCode, headers: res.headers, body: '' })
        req.destroy()
        return
      }
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body }) })
    })
    req.on('error', (error) => { if (!req.destroyed) reject(error) })
    req.end(options.body)
  })
}

export function bearer (token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}

/** Opens an event stream and keeps it open until teardown; resolves with the status and the first chunk. */
export async function holdStream (t: TestLike, base: string, path: string, headers: Record<string, string>): Promise<{ status: number, first: string, close: () => void }> {
  const controller = new AbortController()
  t.teardown(() => { controller.abort() })
  const response = await fetch(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  let first = ''
  if (response.body !== null && response.status === 200) {
    const reader = response.body.getReader()
    const chunk = await reader.read()
    first = new TextDecoder().decode(chunk.value)
    // Keep reading in the background so the server never sees a stalled client.
    const drain = async (): Promise<void> => { while (!(await reader.read()).done); }
    drain().catch(() => {})
  } else {
    first = await response.text()
  }
  return { status: response.status, first, close: () => { controller.abort() } }
}
