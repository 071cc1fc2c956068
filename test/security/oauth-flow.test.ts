/**
 * A real OAuth flow against a small authorization server on 127.0.0.1 (support.ts: RFC 8414 metadata, a JWKS made
 * with jose, a client_credentials token endpoint): the MCP SDK v1 client gets 401, reads `resource_metadata` from
 * WWW-Authenticate, fetches our RFC 9728 metadata, discovers the issuer, gets a token for our canonical URL
 * (RFC 8707 `resource`) and connects with it (2025 leg: Streamable HTTP with sessions).
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js'
import { OAUTH_CLIENT, bearer, startIssuer, startSecureApp } from './support.js'

t.test('the SDK client discovers the metadata from the 401 and connects with a token from the issuer', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)

  const requests: string[] = []
  const provider = new ClientCredentialsProvider({ clientId: OAUTH_CLIENT.id, clientSecret: OAUTH_CLIENT.secret, expectedIssuer: issuer.url, scope: 'charts:read charts:write' })
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    authProvider: provider,
    fetch: async (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`)
      return await fetch(input, init)
    }
  })
  const client = new Client({ name: 'oauth-test', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })

  const { tools } = await client.listTools()
  t.ok(tools.some((tool) => tool.name === 'generate_chart'), 'tools/list with the OAuth token')
  const result = await client.callTool({ name: 'get_recent_requests', arguments: { limit: 1 } })
  t.notOk(result.isError)
  t.equal(issuer.issued, 1, 'one token was issued')
  t.ok(requests.includes(`GET ${url}/.well-known/oauth-protected-resource/mcp`), 'the PRM named by the 401 was read')
  t.ok(requests.some((r) => r === `GET ${issuer.url}/.well-known/oauth-authorization-server`), 'the issuer was discovered from the PRM')
  t.ok(requests.includes(`POST ${issuer.url}/token`), 'a token was requested')

  const token = provider.tokens()?.access_token ?? ''
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { aud: string, iss: string }
  t.equal(claims.aud, `${url}/mcp`, 'the token is for our canonical MCP URL (RFC 8707)')
  t.equal(claims.iss, issuer.url)
})

t.test('the metadata documents (RFC 9728) and the challenge that points to them', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)
  const mcp = await (await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).json()
  t.same(mcp, { resource: `${url}/mcp`, authorization_servers: [issuer.url], scopes_supported: ['charts:read', 'charts:write'], bearer_methods_supported: ['header'], resource_name: 'chart-img-mcp' })
  const root = await (await fetch(`${url}/.well-known/oauth-protected-resource`)).json() as { resource: string }
  t.equal(root.resource, url)

  const refused = await fetch(`${url}/mcp/tools`)
  t.equal(refused.status, 401)
  t.equal(refused.headers.get('www-authenticate'), `Bearer realm="chart-img-mcp", resource_metadata="${url}/.well-known/oauth-protected-resource", scope="charts:read"`)

  // A token is never read from the query string (MCP authorization: tokens MUST NOT be in URIs).
  const token = await issuer.sign({ aud: `${url}/mcp` })
  t.equal((await fetch(`${url}/mcp/tools?access_token=${token}`)).status, 401)
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer(token) })).status, 200)
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer(await issuer.sign({ aud: url })) })).status, 200, 'the root resource is this server too')
  const foreignIssuer = await issuer.sign({ aud: `${url}/mcp`, iss: 'https://other-issuer.example' })
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer(foreignIssuer) })).status, 401, 'another issuer')
  const readOnly = await issuer.sign({ aud: `${url}/mcp`, scope: 'charts:read' })
  const call = await fetch(`${url}/mcp/tools/health_check`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(readOnly) }, body: '{}' })
  t.equal(call.status, 403)
  t.match(call.headers.get('www-authenticate'), /error="insufficient_scope", error_description="This route needs the charts:write scope"/)
  t.match(call.headers.get('www-authenticate'), /scope="charts:write"/)
})

t.test('without OAUTH_ISSUER: no metadata to discover, and static tokens alone still work', async (t) => {
  const { url } = await (await import('../support/app.js')).startApp(t, { AUTH_TOKEN: 'the-single-unnamed-token-123' })
  t.equal((await fetch(`${url}/.well-known/oauth-protected-resource/mcp`)).status, 404)
  const refused = await fetch(`${url}/mcp/tools`)
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="chart-img-mcp", scope="charts:read"')
  t.equal((await fetch(`${url}/mcp/tools`, { headers: bearer('the-single-unnamed-token-123') })).status, 200)
})
