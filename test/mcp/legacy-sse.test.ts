/**
 * Legacy HTTP+SSE (protocol 2024-11-05) at /mcp/legacy/sse + /mcp/legacy/messages: the SDK's SSEClientTransport,
 * and raw HTTP for the routing rules (400 missing id, 404 unknown id, a POST reaches only its own session).
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { startMcpApp } from './helper.js'

/** Opens a raw legacy stream and returns its reader, the endpoint path and a text accumulator. */
async function openStream (base: string, signal: AbortSignal): Promise<{ response: Response, endpoint: string, read: (until: (text: string) => boolean) => Promise<string> }> {
  const response = await fetch(`${base}/mcp/legacy/sse`, { headers: { accept: 'text/event-stream' }, signal })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const read = async (until: (text: string) => boolean): Promise<string> => {
    while (!until(text)) {
      const { value, done } = await reader.read()
      if (done === true) break
      text += decoder.decode(value, { stream: true })
    }
    return text
  }
  const first = await read((s) => s.includes('\n\n'))
  const match = /^event: endpoint\ndata: (\S+)\n\n/.exec(first)
  if (match === null) throw new Error(`first event was not endpoint: ${first}`)
  return { response, endpoint: match[1], read }
}

t.test('SSEClientTransport: list and call tools, progress notifications', async (t) => {
  const { base } = await startMcpApp(t)
  const client = new Client({ name: 'legacy-test', version: '1.0.0' })
  await client.connect(new SSEClientTransport(new URL(`${base}/mcp/legacy/sse`)))
  t.teardown(async () => { await client.close() })
  const { tools } = await client.listTools()
  t.equal(tools.length, 5)
  const progress: number[] = []
  const result = await client.request({
    method: 'tools/call',
    params: { name: 'generate_chart', arguments: { symbol: 'NASDAQ:GOOG' }, _meta: { progressToken: 7 } }
  }, CallToolResultSchema, { onprogress: (p) => { progress.push(p.progress) } })
  t.notOk(result.isError)
  t.ok(result.content.some((c) => c.type === 'image'))
  // The SDK Client dispatches notifications a microtask late but responses at once, so a progress notification that
  // arrives in the same chunk as the result can miss its handler: check the early ones only.
  t.ok(progress.length >= 2, `progress ${progress.join(',')}`)
  t.ok(progress.every((p, i) => i === 0 || p > progress[i - 1]), 'increasing')
})

t.test('raw: endpoint event first, SSE headers, keep-alives, replies on the stream', async (t) => {
  const { base } = await startMcpApp(t, { KEEPALIVE_MS: 100 })
  const controller = new AbortController()
  t.teardown(() => { controller.abort() })
  const { response, endpoint, read } = await openStream(base, controller.signal)
  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^text\/event-stream/)
  t.equal(response.headers.get('x-accel-buffering'), 'no')
  t.equal(response.headers.get('cache-control'), 'no-cache, no-transform')
  t.match(endpoint, /^\/mcp\/legacy\/messages\?sessionId=[0-9a-f-]{36}$/)
  await read((s) => s.includes(': keepalive'))
  const post = await fetch(`${base}${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } })
  })
  t.equal(post.status, 202)
  await post.body?.cancel()
  const text = await read((s) => s.includes('"id":1'))
  t.match(text, /event: message\ndata: \{.*"protocolVersion":"2024-11-05"/)
})

t.test('raw: missing sessionId → 400, unknown → 404, a POST reaches only its own session', async (t) => {
  const { base } = await startMcpApp(t)
  const post = async (path: string, body: unknown, contentType = 'application/json'): Promise<Response> =>
    await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) })
  const ping = { jsonrpc: '2.0', id: 'p', method: 'ping' }

  const missing = await post('/mcp/legacy/messages', ping)
  t.equal(missing.status, 400)
  t.match(await missing.json(), { jsonrpc: '2.0', error: { code: -32000 } })
  const unknown = await post('/mcp/legacy/messages?sessionId=00000000-0000-0000-0000-000000000000', ping)
  t.equal(unknown.status, 404)
  t.match(await unknown.json(), { error: { code: -32001 } })

  const a = new AbortController()
  const b = new AbortController()
  t.teardown(() => { a.abort(); b.abort() })
  const streamA = await openStream(base, a.signal)
  const streamB = await openStream(base, b.signal)
  t.not(streamA.endpoint, streamB.endpoint)
  const init = { jsonrpc: '2.0', id: 'init-a', method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'a', version: '1' } } }
  t.equal((await post(streamA.endpoint, init)).status, 202)
  const textA = await streamA.read((s) => s.includes('init-a'))
  t.match(textA, /"id":"init-a"/, 'A gets its reply')
  t.equal((await post(streamB.endpoint, { ...init, id: 'init-b' })).status, 202)
  await streamB.read((s) => s.includes('init-b'))
  // Give a misrouted reply time to show up before checking it did not.
  await new Promise((resolve) => setTimeout(resolve, 100))
  const afterA = await Promise.race([streamA.read((s) => s.includes('init-b')), new Promise<string>((resolve) => setTimeout(() => { resolve('timeout') }, 200))])
  t.equal(afterA, 'timeout', "B's reply never reaches A's stream")

  const notJson = await post(streamA.endpoint, ping, 'text/plain')
  t.equal(notJson.status, 415)
  const badJson = await fetch(`${base}${streamA.endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' })
  t.equal(badJson.status, 400)
  t.match(await badJson.json(), { error: { code: -32700 } })
  const batch = await post(streamA.endpoint, [ping])
  t.equal(batch.status, 400)
  t.match(await batch.json(), { error: { code: -32600 } })
})
