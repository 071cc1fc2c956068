/**
 * Streamable HTTP at /mcp driven with raw HTTP (fetch), one rule of spec 2025-11-25 basic/transports per test.
 */
import t from 'tap'
import { INITIALIZE, MCP_HEADERS, rawInitialize, readMessages, startMcpApp } from './helper.js'

const V = { 'mcp-protocol-version': '2025-11-25' }

t.test('initialize → 200 with a session id; later requests need it', async (t) => {
  const { url } = await startMcpApp(t)
  const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) })
  t.equal(response.status, 200)
  const sessionId = response.headers.get('mcp-session-id')
  t.match(sessionId, /^[\x21-\x7e]+$/, 'visible ASCII')
  const [message] = await readMessages(response) as Array<{ result: { protocolVersion: string, serverInfo: { name: string } } }>
  t.equal(message.result.protocolVersion, '2025-11-25')
  t.equal(message.result.serverInfo.name, 'chart-img-mcp')

  const missing = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...V }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) })
  t.equal(missing.status, 400, 'no session id → 400')
  t.match(await missing.json(), { jsonrpc: '2.0', id: 2, error: { code: -32000 } })

  const unknown = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': 'no-such-session' }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) })
  t.equal(unknown.status, 404, 'unknown session → 404')
  t.match(await unknown.json(), { jsonrpc: '2.0', id: 3, error: { code: -32001 } })
})

t.test('a notification → 202 with no body; a request → SSE carrying the response', async (t) => {
  const { url } = await startMcpApp(t)
  const sessionId = await rawInitialize(url)
  const note = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } }) })
  t.equal(note.status, 202)
  t.equal(await note.text(), '')
  const list = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) })
  t.equal(list.status, 200)
  t.match(list.headers.get('content-type'), /^text\/event-stream/)
  t.equal(list.headers.get('x-accel-buffering'), 'no')
  t.equal(list.headers.get('cache-control'), 'no-cache, no-transform')
  const messages = await readMessages(list) as Array<{ id: number, result: { tools: unknown[] } }>
  t.equal(messages.at(-1)?.id, 7)
  t.equal(messages.at(-1)?.result.tools.length, 5)
})

t.test('406, 415, -32700, -32600 (batch), 405, unsupported protocol version', async (t) => {
  const { url } = await startMcpApp(t)
  const sessionId = await rawInitialize(url)
  const h = { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId }
  const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })

  const notAcceptable = await fetch(url, { method: 'POST', headers: { ...h, accept: 'application/json' }, body: list })
  t.equal(notAcceptable.status, 406)
  t.match(await notAcceptable.json(), { jsonrpc: '2.0', id: null, error: { code: -32000 } })

  const wrongType = await fetch(url, { method: 'POST', headers: { ...h, 'content-type': 'text/plain' }, body: list })
  t.equal(wrongType.status, 415)
  t.match(await wrongType.json(), { jsonrpc: '2.0', error: { code: -32000 } })

  const badJson = await fetch(url, { method: 'POST', headers: h, body: '{"jsonrpc": "2.0", "id": 1, "method": ' })
  t.equal(badJson.status, 400)
  t.match(await badJson.json(), { jsonrpc: '2.0', id: null, error: { code: -32700 } })

  const batch = await fetch(url, { method: 'POST', headers: h, body: `[${list}]` })
  t.equal(batch.status, 400, 'batches refused (removed in 2025-06-18)')
  t.match(await batch.json(), { jsonrpc: '2.0', id: null, error: { code: -32600 } })

  const notJsonRpc = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ hello: 'world' }) })
  t.equal(notJsonRpc.status, 400)
  t.match(await notJsonRpc.json(), { error: { code: -32600 } })

  const put = await fetch(url, { method: 'PUT', headers: h, body: list })
  t.equal(put.status, 405)
  t.equal(put.headers.get('allow'), 'GET, POST, DELETE')
  await put.body?.cancel()

  const badVersion = await fetch(url, { method: 'POST', headers: { ...h, 'mcp-protocol-version': '1999-01-01' }, body: list })
  t.equal(badVersion.status, 400, 'unsupported MCP-Protocol-Version → 400')
  t.match(await badVersion.json(), { error: { code: -32000, message: /Unsupported protocol version/ } })

  const getNoAccept = await fetch(url, { method: 'GET', headers: { ...V, 'mcp-session-id': sessionId, accept: 'application/json' } })
  t.equal(getNoAccept.status, 406, 'GET must accept text/event-stream')
  await getNoAccept.body?.cancel()
})

t.test('DELETE ends the session; the id then gets 404', async (t) => {
  const { url } = await startMcpApp(t)
  const sessionId = await rawInitialize(url)
  const h = { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId }
  const del = await fetch(url, { method: 'DELETE', headers: h })
  t.equal(del.status, 200)
  await del.body?.cancel()
  const after = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) })
  t.equal(after.status, 404)
  t.match(await after.json(), { error: { code: -32001 } })
  const delAgain = await fetch(url, { method: 'DELETE', headers: h })
  t.equal(delAgain.status, 404)
  await delAgain.body?.cancel()
})

t.test('GET stream: SSE headers and keep-alive comments', async (t) => {
  const { url } = await startMcpApp(t, { KEEPALIVE_MS: 100 })
  const sessionId = await rawInitialize(url)
  const controller = new AbortController()
  t.teardown(() => { controller.abort() })
  const response = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': sessionId }, signal: controller.signal })
  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^text\/event-stream/)
  t.equal(response.headers.get('x-accel-buffering'), 'no')
  t.equal(response.headers.get('cache-control'), 'no-cache, no-transform')
  const reader = response.body!.getReader()
  let text = ''
  while (!text.includes(': keepalive')) {
    const { value, done } = await reader.read()
    if (done === true) break
    text += new TextDecoder().decode(value)
  }
  t.match(text, /: keepalive\n\n/)
  const second = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': sessionId } })
  t.equal(second.status, 409, 'one GET stream per session')
  await second.body?.cancel()
  await reader.cancel()
})

t.test('a long POST stream gets keep-alive comments before its result', async (t) => {
  const { url, engine } = await startMcpApp(t, { KEEPALIVE_MS: 100 })
  engine!.stageMs = 300
  const sessionId = await rawInitialize(url)
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId },
    body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' } } })
  })
  const text = await response.text()
  t.match(text, /: keepalive\n\n/)
  const last = text.trim().split('\n\n').at(-1) ?? ''
  t.match(JSON.parse(last.split('\n').find((l) => l.startsWith('data:'))!.slice(5)), { id: 5, result: { content: [] } }, 'the result ends the stream')
})
