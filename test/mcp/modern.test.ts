/**
 * MCP 2026-07-28 on /mcp with the SDK v2 client (`@modelcontextprotocol/client`), pinned and in auto mode, and raw
 * HTTP for the rules a client library hides: server/discover then initialize on the same endpoint
 * (claude-code#96183), 405 for GET/DELETE with no session id minted, header/body mismatch → -32020.
 */
import t from 'tap'
import { Client, StreamableHTTPClientTransport, type VersionNegotiationMode } from '@modelcontextprotocol/client'
import { MCP_HEADERS, readMessages, startMcpApp, type TestLike } from './helper.js'

const MODERN = '2026-07-28'

async function modernClient (t: TestLike, url: string, mode: VersionNegotiationMode = { pin: MODERN }): Promise<Client> {
  const client = new Client({ name: 'modern-test', version: '1.0.0' }, { versionNegotiation: { mode } })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  t.teardown(async () => { await client.close() })
  return client
}

function textOf (result: { content?: unknown }): string {
  const first = (result.content as Array<{ type: string, text?: string }> | undefined)?.[0]
  return first?.type === 'text' ? first.text ?? '' : ''
}

function envelope (params: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...params,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN,
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' }
    }
  }
}

function modernHeaders (method: string, name?: string): Record<string, string> {
  return { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) }
}

t.test('pinned 2026-07-28 client: every tool, progress, a bad symbol as isError, bad arguments as -32602', async (t) => {
  const { url } = await startMcpApp(t)
  const client = await modernClient(t, url)
  t.equal(client.getNegotiatedProtocolVersion(), MODERN)
  t.equal(client.getServerVersion()?.name, 'chart-img-mcp')

  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name), ['generate_chart', 'get_chart_status', 'get_available_symbols', 'get_recent_requests', 'health_check'])

  const progress: number[] = []
  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL' } }, { onprogress: (p) => { progress.push(p.progress) } })
  t.notOk(chart.isError, textOf(chart))
  t.match(chart.content, [{ type: 'text', text: /Chart ready: NASDAQ:AAPL/ }, { type: 'image', mimeType: 'image/png' }])
  t.ok(progress.length >= 2, `progress over the request's own stream: ${progress.join(', ')}`)
  t.same(progress, [...progress].sort((a, b) => a - b), 'progress only increases')
  const requestId = /Request: (req_\S+)/.exec(textOf(chart))?.[1] as string

  const status = JSON.parse(textOf(await client.callTool({ name: 'get_chart_status', arguments: { requestId } })))
  t.match(status, { requestId, status: 'completed' })
  const recent = JSON.parse(textOf(await client.callTool({ name: 'get_recent_requests', arguments: { limit: 3 } })))
  t.equal(recent.requests[0].requestId, requestId)
  const symbols = JSON.parse(textOf(await client.callTool({ name: 'get_available_symbols', arguments: { exchange: 'NASDAQ' } })))
  t.ok(symbols.symbols.length >= 4)
  const health = JSON.parse(textOf(await client.callTool({ name: 'health_check', arguments: {} })))
  t.match(health, { status: 'ok' })

  const bad = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:NOPE' } })
  t.equal(bad.isError, true, 'an unknown symbol is a tool error the model can read')
  t.match(textOf(bad), /NASDAQ:NOPE/)

  const invalid = await client.callTool({ name: 'get_chart_status', arguments: { requestId: 'nope' } }).then(() => null, (error: unknown) => error)
  t.match(invalid, { code: -32602 }, 'invalid arguments are a protocol error (-32602)')
  const unknown = await client.callTool({ name: 'no_such_tool', arguments: {} }).then(() => null, (error: unknown) => error)
  t.match(unknown, { code: -32602, message: /Unknown tool: no_such_tool/ })

  const resources = await client.listResources()
  t.ok(resources.resources.some((r) => r.uri === 'chart://symbols'))
  const prompts = await client.listPrompts()
  t.same(prompts.prompts.map((p) => p.name).sort(), ['chart_symbol_with_indicators', 'compare_symbols'])
})

t.test('auto mode on /mcp/ (the trailing-slash path) negotiates 2026-07-28', async (t) => {
  const { url } = await startMcpApp(t)
  const client = await modernClient(t, `${url}/`, 'auto')
  t.equal(client.getNegotiatedProtocolVersion(), MODERN)
  const health = await client.callTool({ name: 'health_check', arguments: {} })
  t.notOk(health.isError)
})

t.test('server/discover, then initialize on the same endpoint (claude-code#96183): both answered', async (t) => {
  const { url } = await startMcpApp(t)
  const discover = await fetch(url, { method: 'POST', headers: modernHeaders('server/discover'), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: envelope() }) })
  t.equal(discover.status, 200)
  t.equal(discover.headers.get('mcp-session-id'), null, 'no session id on the modern leg')
  const [found] = await readMessages(discover) as Array<{ result: { supportedVersions: string[], resultType: string, ttlMs: number, cacheScope: string } }>
  t.ok(found.result.supportedVersions.includes(MODERN))
  t.equal(found.result.resultType, 'complete')
  t.type(found.result.ttlMs, 'number')

  const init = await fetch(url, {
    method: 'POST',
    headers: MCP_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
  })
  t.equal(init.status, 200)
  t.match(init.headers.get('mcp-session-id'), /^[\x21-\x7e]+$/, 'a 2025 session is opened')
  const [initialized] = await readMessages(init) as Array<{ result: { protocolVersion: string } }>
  t.equal(initialized.result.protocolVersion, '2025-11-25')
})

t.test('modern rules over raw HTTP: 405 for GET/DELETE, header mismatch → -32020, removed methods → -32601', async (t) => {
  const { url } = await startMcpApp(t)
  for (const method of ['GET', 'DELETE']) {
    const response = await fetch(url, { method, headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN } })
    t.equal(response.status, 405, `${method} with the modern version`)
    t.equal(response.headers.get('mcp-session-id'), null)
    await response.body?.cancel()
  }
  const mismatch = await fetch(url, { method: 'POST', headers: modernHeaders('tools/list'), body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'prompts/list', params: envelope() }) })
  t.equal(mismatch.status, 400)
  t.match(await mismatch.json(), { id: 3, error: { code: -32020 } })
  const noName = await fetch(url, { method: 'POST', headers: modernHeaders('tools/call'), body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: envelope({ name: 'health_check', arguments: {} }) }) })
  t.equal(noName.status, 400, 'Mcp-Name is required on tools/call')
  t.match(await noName.json(), { id: 4, error: { code: -32020 } })
  const ping = await fetch(url, { method: 'POST', headers: modernHeaders('ping'), body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'ping', params: envelope() }) })
  t.equal(ping.status, 404)
  t.match(await ping.json(), { id: 5, error: { code: -32601 } })
  const call = await fetch(url, { method: 'POST', headers: modernHeaders('tools/call', 'health_check'), body: JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: envelope({ name: 'health_check', arguments: {} }) }) })
  t.equal(call.status, 200)
  const [result] = await readMessages(call) as Array<{ result: { resultType: string, isError?: boolean } }>
  t.equal(result.result.resultType, 'complete', 'resultType on every modern result')
})

t.test('a modern probe at the 2025-only legacy SSE path gets a 4xx without a modern error code', async (t) => {
  const { base } = await startMcpApp(t)
  const response = await fetch(`${base}/mcp/legacy/messages`, { method: 'POST', headers: modernHeaders('server/discover'), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: envelope() }) })
  t.ok(response.status >= 400 && response.status < 500, `status ${response.status}`)
  const body = await response.json() as { error: { code: number } }
  t.notOk([-32020, -32021, -32022].includes(body.error.code), `code ${body.error.code} is no modern error code`)
})
