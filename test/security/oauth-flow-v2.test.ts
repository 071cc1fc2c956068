/**
 * The same OAuth flow with the SDK v2 client (`@modelcontextprotocol/client`) on the sessionless 2026-07-28 era of
 * /mcp: the client gets 401, reads `resource_metadata` from WWW-Authenticate, fetches our RFC 9728 metadata, gets a
 * token from the issuer (support.ts) for our canonical URL and connects with it. The token's principal owns what it
 * makes, and a `tools/call` of generate_chart (not read-only) needs `charts:write`: 403 `insufficient_scope` without it.
 */
import t, { type Test } from 'tap'
import { Client, ClientCredentialsProvider, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { BOB_TOKEN, OAUTH_CLIENT, bearer, startIssuer, startSecureApp } from './support.js'

const MODERN = '2026-07-28'

function textOf (result: { content?: unknown }): string {
  const first = (result.content as Array<{ type: string, text?: string }> | undefined)?.[0]
  return first?.type === 'text' ? first.text ?? '' : ''
}

async function connect (t: Test, url: string, issuerUrl: string, scope: string): Promise<{ client: Client, requests: string[], provider: ClientCredentialsProvider }> {
  const requests: string[] = []
  const provider = new ClientCredentialsProvider({ clientId: OAUTH_CLIENT.id, clientSecret: OAUTH_CLIENT.secret, expectedIssuer: issuerUrl, scope })
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    authProvider: provider,
    fetch: async (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${String(input)}`)
      return await fetch(input, init)
    }
  })
  const client = new Client({ name: 'oauth-v2-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  return { client, requests, provider }
}

t.test('SDK v2 client, 2026-07-28: discovers the PRM from the 401, connects with the token, owns its chart', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)
  const { client, requests, provider } = await connect(t, url, issuer.url, 'charts:read charts:write')
  t.equal(client.getNegotiatedProtocolVersion(), MODERN)

  const { tools } = await client.listTools()
  t.ok(tools.some((tool) => tool.name === 'generate_chart'), 'tools/list with the OAuth token')
  t.ok(requests.includes(`GET ${url}/.well-known/oauth-protected-resource/mcp`), 'the PRM named by the 401 was read')
  t.ok(requests.includes(`GET ${issuer.url}/.well-known/oauth-authorization-server`), 'the issuer was discovered from the PRM')
  t.ok(requests.includes(`POST ${issuer.url}/token`), 'a token was requested')
  t.equal(issuer.issued, 1, 'one token was issued')
  const claims = JSON.parse(Buffer.from((provider.tokens()?.access_token ?? '').split('.')[1], 'base64url').toString()) as { aud: string }
  t.equal(claims.aud, `${url}/mcp`, 'the token is for our canonical MCP URL (RFC 8707)')

  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 400, height: 300 } })
  t.notOk(chart.isError, textOf(chart))
  const requestId = /Request: (req_\S+)/.exec(textOf(chart))?.[1] as string
  const mine = JSON.parse(textOf(await client.callTool({ name: 'get_recent_requests', arguments: { limit: 5 } }))) as { requests: Array<{ requestId: string }> }
  t.same(mine.requests.map((r) => r.requestId), [requestId], 'the OAuth principal sees its own chart')

  // Another principal (bob, a static token) on REST: the chart is as unknown to him as a missing one.
  const asBob = await fetch(`${url}/mcp/tools/get_chart_status`, { method: 'POST', headers: { ...bearer(BOB_TOKEN), 'content-type': 'application/json' }, body: JSON.stringify({ requestId }) })
  const bobResult = await asBob.json() as { isError?: boolean, content: Array<{ text: string }> }
  t.equal(bobResult.isError, true)
  t.match(bobResult.content[0].text, /No chart request/)
  const image = /Image URL: (\S+)/.exec(textOf(chart))?.[1] as string
  t.equal((await fetch(image, { headers: bearer(BOB_TOKEN) })).status, 404, 'nor can bob fetch its image')
})

t.test('generate_chart over MCP needs charts:write: 403 insufficient_scope on both eras; read-only tools still work', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)
  const readOnly = await issuer.sign({ aud: `${url}/mcp`, scope: 'charts:read' })
  const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' }, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }
  const modern = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...bearer(readOnly), 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'generate_chart' },
    body: JSON.stringify(call)
  })
  t.equal(modern.status, 403)
  t.match(modern.headers.get('www-authenticate'), /^Bearer .*scope="charts:write", error="insufficient_scope"/)
  t.match(modern.headers.get('www-authenticate'), `resource_metadata="${url}/.well-known/oauth-protected-resource/mcp"`)
  t.match(await modern.json(), { error: { message: /needs the charts:write scope/ } })

  // The 2025 leg: a session opened with the read-only token, then the same call inside it.
  const headers = { ...bearer(readOnly), 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
  const init = await fetch(`${url}/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ro', version: '1' } } }) })
  t.equal(init.status, 200)
  await init.body?.cancel()
  const session = init.headers.get('mcp-session-id') ?? ''
  const inSession = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' } } }) })
  t.equal(inSession.status, 403)
  t.match(inSession.headers.get('www-authenticate'), /error="insufficient_scope"/)
  await inSession.body?.cancel()
  const health = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'health_check', arguments: {} } }) })
  t.equal(health.status, 200, 'a read-only tool needs only charts:read')
  t.match(await health.text(), /"result"/)
})

t.test('SDK v2 client with a read-only token steps up on the 403 and the call succeeds', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)
  const { client, requests } = await connect(t, url, issuer.url, 'charts:read')
  const result = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 400, height: 300 } })
  t.notOk(result.isError, textOf(result))
  t.equal(issuer.issued, 2, 'a second token, with the scope the challenge named')
  t.equal(requests.filter((r) => r === `POST ${issuer.url}/token`).length, 2)
})
