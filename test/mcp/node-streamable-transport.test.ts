/**
 * NodeStreamableHTTPServerTransport on a bare node:http server (no Fastify): the shapes its answers take on the wire
 * (one body with a Content-Length for an answer ready at once, a chunked stream whose priming event comes before a
 * slow answer, JSON mode), and the SDK client end to end (related notifications, closeSSEStream + resume).
 */
import t from 'tap'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { z } from 'zod'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { NodeStreamableHTTPServerTransport } from '../../src/mcp/node-streamable-transport.js'
import { BoundedEventStore } from '../../src/mcp/event-store.js'

const ACCEPT = 'application/json, text/event-stream'
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }

function mcpServer (): McpServer {
  const server = new McpServer({ name: 'transport-test', version: '1.0.0' }, { capabilities: { logging: {} } })
  server.registerTool('quick', { description: 'answers at once' }, async () => ({ content: [{ type: 'text', text: 'quick' }] }))
  server.registerTool('slow', { description: 'answers after a while', inputSchema: { ms: z.number() } }, async ({ ms }, extra) => {
    await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'working' } })
    extra.closeSSEStream?.()
    await new Promise((resolve) => setTimeout(resolve, ms))
    return { content: [{ type: 'text', text: `slept ${ms}` }] }
  })
  return server
}

async function start (t: { teardown: (fn: () => Promise<void>) => void }, json = false): Promise<{ url: string, transport: NodeStreamableHTTPServerTransport }> {
  const transport = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => 'session-1',
    enableJsonResponse: json,
    eventStore: new BoundedEventStore(),
    retryInterval: 50,
    keepAliveMs: 60_000
  })
  const server = mcpServer()
  await server.connect(transport)
  const http: Server = createServer((req, res) => {
    transport.handleRequest(req, res).catch((error: unknown) => { res.destroy(error as Error) })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    await server.close()
    http.closeAllConnections()
    await new Promise((resolve) => http.close(resolve))
  })
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, transport }
}

interface RawAnswer { status: number, headers: IncomingHttpHeaders, chunks: string[] }

/** A POST read chunk by chunk, to see what arrived when. */
async function post (url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers } }, (res) => {
      const chunks: string[] = []
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(JSON.stringify(body))
  })
}

const SESSION = { 'mcp-session-id': 'session-1', 'mcp-protocol-version': '2025-11-25' }

t.test('an answer ready at once: one SSE body with a Content-Length (priming event, then the result)', async (t) => {
  const { url } = await start(t)
  const init = await post(url, INIT)
  t.equal(init.status, 200)
  t.equal(init.headers['content-type'], 'text/event-stream')
  t.equal(init.headers['cache-control'], 'no-cache, no-transform')
  t.equal(init.headers['x-accel-buffering'], 'no')
  t.equal(init.headers['mcp-session-id'], 'session-1')
  t.ok(init.headers['content-length'], 'not chunked')
  t.match(init.chunks.join(''), /^id: \S+\nretry: 50\ndata: \n\nevent: message\nid: \S+\ndata: \{"result":\{"protocolVersion":"2025-11-25"/)
  const note = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, SESSION)
  t.equal(note.status, 202)
  const call = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quick', arguments: {} } }, SESSION)
  t.match(call.chunks.join(''), /"text":"quick"/)
  const wrong = await post(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': 'other' })
  t.equal(wrong.status, 404)
  t.match(JSON.parse(wrong.chunks.join('')), { error: { code: -32001 } })
  const badVersion = await post(url, { jsonrpc: '2.0', id: 3, method: 'ping' }, { ...SESSION, 'mcp-protocol-version': '1999-01-01' })
  t.equal(badVersion.status, 400)
  const again = await post(url, INIT)
  t.equal(again.status, 400, 're-initialisation refused')
})

t.test('a slow answer: headers and priming event first, then the stream (chunked)', async (t) => {
  const { url } = await start(t)
  await post(url, INIT)
  const started = Date.now()
  let firstChunkAt = 0
  const answer = await new Promise<RawAnswer>((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': 'session-1', 'mcp-protocol-version': '2025-06-18' } }, (res) => {
      const chunks: string[] = []
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { if (chunks.length === 0) firstChunkAt = Date.now(); chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    // 2025-06-18: no priming event, no closeSSEStream — the notification and the result ride on this stream.
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', arguments: { ms: 300 } } }))
  })
  t.equal(answer.headers['transfer-encoding'], 'chunked')
  t.ok(firstChunkAt - started < 250, 'the related notification arrived before the result')
  t.match(answer.chunks[0], /notifications\/message/)
  t.match(answer.chunks.join(''), /"text":"slept 300"/)
})

t.test('JSON response mode: one application/json body', async (t) => {
  const { url } = await start(t, true)
  const init = await post(url, INIT)
  t.equal(init.headers['content-type'], 'application/json')
  t.match(JSON.parse(init.chunks.join('')), { id: 0, result: { protocolVersion: '2025-11-25' } })
})

t.test('SDK client: tools, a related notification, closeSSEStream and resume, DELETE', async (t) => {
  const { url, transport } = await start(t)
  const client = new Client({ name: 'c', version: '1' })
  const logs: unknown[] = []
  client.setNotificationHandler((await import('@modelcontextprotocol/sdk/types.js')).LoggingMessageNotificationSchema, (n) => { logs.push(n.params.data) })
  const requests: Array<{ method: string, lastEventId: string | null }> = []
  const clientTransport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: async (input, init) => {
      requests.push({ method: init?.method ?? 'GET', lastEventId: new Headers(init?.headers).get('last-event-id') })
      return await fetch(input, init)
    }
  })
  await client.connect(clientTransport)
  t.teardown(async () => { await client.close() })
  t.equal(transport.sessionId, 'session-1')
  // slow: closes its SSE stream (SEP-1699) after the notification; the client resumes with Last-Event-ID.
  const result = await client.callTool({ name: 'slow', arguments: { ms: 200 } })
  t.same(result.content, [{ type: 'text', text: 'slept 200' }])
  t.same(logs, ['working'])
  t.ok(requests.some((r) => r.method === 'GET' && r.lastEventId !== null), 'the stream was closed and the client resumed with GET + Last-Event-ID')
  const del = await fetch(url, { method: 'DELETE', headers: SESSION })
  t.equal(del.status, 200)
  const after = await post(url, { jsonrpc: '2.0', id: 9, method: 'ping' }, SESSION)
  t.equal(after.status, 404)
})

t.test('GET: one standalone stream per session', async (t) => {
  const { url } = await start(t)
  await post(url, INIT)
  const controller = new AbortController()
  t.teardown(() => { controller.abort() })
  const first = await fetch(url, { headers: { accept: 'text/event-stream', ...SESSION }, signal: controller.signal })
  t.equal(first.status, 200)
  t.equal(first.headers.get('content-type'), 'text/event-stream')
  const second = await fetch(url, { headers: { accept: 'text/event-stream', ...SESSION } })
  t.equal(second.status, 409)
  await second.text()
})
