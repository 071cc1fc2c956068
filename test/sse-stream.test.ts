/**
 * Seed 000's GET /sse, driven as its documentation's clients do: Python requests with iter_lines() and an
 * EventSource `onmessage` handler; chart progress arrives when a tool call names the stream's clientId. And /sse as a
 * session: requests POSTed to the connection message's messagesUrl are answered on the stream.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { EventSource } from 'eventsource'
import { callTool, rpc, startApp } from './support/app.js'
import { openStream } from './sse/stream-client.js'
import { waitFor } from './sse/wait.js'
import { SEED_000_PYTHON_CLIENT } from './support/seed000-python-client.js'

t.test('Python iter_lines(): connection, heartbeat, progress as JSON-RPC notifications, close on shutdown', async (t) => {
  const { app, url } = await startApp(t, { HEARTBEAT_MS: 300 })
  // Not t.testdir(): that would empty the app's DATA_DIR, which startApp took from it.
  const script = join(mkdtempSync(join(tmpdir(), 'seed-sse-')), 'sse_client.py')
  writeFileSync(script, SEED_000_PYTHON_CLIENT)
  const python = spawn('/usr/bin/python3', [script, `${url}/sse?clientId=py-1`], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<number | null>((resolve) => python.once('exit', resolve))
  t.teardown(async () => { python.kill(); await exited })
  const messages: Array<Record<string, any>> = []
  createInterface({ input: python.stdout }).on('line', (line) => messages.push(JSON.parse(line)))

  await waitFor('connection message', () => messages.length > 0)
  t.match(messages[0], { type: 'connection', status: 'connected', clientId: 'py-1' })
  t.match(messages[0].timestamp, /^\d{4}-\d\d-\d\dT/)
  await waitFor('heartbeat', () => messages.some((m) => m.type === 'heartbeat'))

  const { body } = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', range: '3M' }, { 'x-client-id': 'py-1' })
  t.notOk(body.result.isError, body.result.content[0].text)
  const done = await waitFor('completed notification', () => messages.find((m) => m.params?.data?.status === 'completed'))
  t.equal(done.jsonrpc, '2.0')
  t.equal(done.method, 'notifications/chart_progress')
  t.equal(done.params.type, 'chart_progress')
  t.equal(done.params.data.symbol, 'SP:SPX')
  t.ok(messages.some((m) => m.params?.data?.status === 'started'), 'started came first')

  await app.close()
  t.equal(await exited, 0, 'the stream ended and the client finished its loop')
  t.match(messages.at(-1), { type: 'close', code: 0 })
})

t.test('EventSource onmessage gets unnamed messages; an invalid clientId is a 400', async (t) => {
  const { url, app } = await startApp(t)
  const source = new EventSource(`${url}/sse`)
  t.teardown(() => { source.close() })
  const received: Array<Record<string, any>> = []
  source.onmessage = (event) => { received.push(JSON.parse(event.data)) }
  await waitFor('connection', () => received.length > 0)
  t.equal(received[0].type, 'connection')
  t.match(received[0].clientId, /^sse_[0-9a-f]{16}$/, 'the server names the stream when the client does not')
  t.equal(app.seedStreams.clientCount, 1)
  const health = await (await fetch(`${url}/mcp/health`)).json() as { clientCount: number }
  t.equal(health.clientCount, 1, '/sse streams count as clients')

  const bad = await fetch(`${url}/sse?clientId=${encodeURIComponent('<bad id>')}`, { headers: { accept: 'text/event-stream' } })
  t.equal(bad.status, 400)
  t.match(((await bad.json()) as { error: string }).error, /clientId must be/)
  source.close()
  await waitFor('stream released', () => app.seedStreams.clientCount === 0)
})

t.test('a stream with a server-made id leaves no replay buffer behind; one with ?clientId= keeps it for a reconnect', async (t) => {
  const { app, url } = await startApp(t)
  const anonymous = await openStream(t, `${url}/sse`)
  const named = await openStream(t, `${url}/sse?clientId=desk-9`)
  await waitFor('both connected', () => app.seedStreams.clientCount === 2 && anonymous.text().includes('connection') && named.text().includes('connection'))
  anonymous.abort()
  named.abort()
  await waitFor('both gone', () => app.seedStreams.clientCount === 0)
  t.equal(app.seedStreams.rememberedCount, 1, 'only desk-9 can come back, so only its buffer is kept')
})

/** An EventSource on /sse that collects its messages; `post` sends one JSON-RPC message to the stream's messagesUrl. */
async function openSession (t: { teardown: (fn: () => void) => void }, url: string, init?: { headers?: Record<string, string> }): Promise<{
  messages: Array<Record<string, any>>
  messagesUrl: string
  post: (body: unknown) => Promise<{ status: number, body: any }>
  answer: (id: number | string) => Promise<Record<string, any>>
  source: EventSource
}> {
  const source = new EventSource(`${url}/sse`, init?.headers === undefined
    ? undefined
    : { fetch: async (input, options) => await fetch(input, { ...options, headers: { ...options?.headers, ...init.headers } }) })
  t.teardown(() => { source.close() })
  const messages: Array<Record<string, any>> = []
  source.onmessage = (event) => { messages.push(JSON.parse(event.data)) }
  const connection = await waitFor('connection', () => messages.find((m) => m.type === 'connection'))
  const messagesUrl = connection.messagesUrl as string
  return {
    messages,
    messagesUrl,
    source,
    post: async (body) => await rpc(`${url}${messagesUrl}`, body),
    answer: async (id) => await waitFor(`answer ${id}`, () => messages.find((m) => m.id === id && m.jsonrpc === '2.0'), 60_000)
  }
}

t.test('/sse is a session: the connection names messagesUrl, a POSTed request is 202 and answered on the stream', async (t) => {
  const { url, app } = await startApp(t)
  const session = await openSession(t, url)
  t.match(session.messagesUrl, /^\/sse\/[A-Za-z0-9_-]{22}\/messages$/, 'a server-minted, unguessable stream id (128 random bits)')

  const init = await session.post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })
  t.equal(init.status, 202)
  t.equal(init.body, undefined, 'the HTTP answer is empty: the answer travels on the stream')
  const initialized = await session.answer(1)
  t.equal(initialized.result.serverInfo.name, 'chart-img-mcp')
  t.equal(initialized.result.protocolVersion, '2025-06-18')

  t.equal((await session.post({ jsonrpc: '2.0', id: 'list', method: 'tools/list' })).status, 202)
  const list = await session.answer('list')
  t.same(Object.keys(list).sort(), ['id', 'jsonrpc', 'result'], 'exactly seed 000\'s data message: a JSON-RPC response, no type')
  t.ok(list.result.tools.some((tool: { name: string }) => tool.name === 'generate_chart'))
  t.same(list.result.tools, app.tools.describe(), 'the registry\'s tools, as the JSON-RPC routes list them')

  t.equal((await session.post({ jsonrpc: '2.0', id: 3, method: 'resources/list' })).status, 202)
  t.match((await session.answer(3)).error, { code: -32601, message: /Unknown method resources\/list; this stream answers initialize, tools\/list, tools\/call/ })
  t.equal((await session.post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'no_such_tool' } })).status, 202)
  t.match((await session.answer(4)).error, { code: -32602, message: /no_such_tool/ })

  t.equal((await session.post({ method: 'tools/list' })).status, 202, 'not a JSON-RPC request: still taken, the failure goes to the stream')
  const error = await waitFor('error message', () => session.messages.find((m) => m.type === 'error'))
  t.match(error, { type: 'error', code: -32600, message: /jsonrpc must be "2.0"/ })

  const notJson = await fetch(`${url}${session.messagesUrl}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' })
  t.equal(notJson.status, 400)
  t.match(await notJson.json(), { jsonrpc: '2.0', error: { code: -32700 } })
})

t.test('a tools/call on the stream: chart progress and notifications/progress on the same stream, then the result', async (t) => {
  const { url } = await startApp(t)
  const session = await openSession(t, url)
  const posted = await session.post({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', range: '3M' }, _meta: { progressToken: 'tok-7' } }
  })
  t.equal(posted.status, 202)
  const result = await session.answer(7)
  t.notOk(result.result.isError, result.result.content?.[0]?.text)
  t.ok(result.result.content.some((c: { type: string }) => c.type === 'image'))
  const resultIndex = session.messages.indexOf(result)
  const progress = session.messages.filter((m) => m.method === 'notifications/progress')
  t.ok(progress.length >= 2, 'notifications/progress for the call')
  t.ok(progress.every((m) => m.params.progressToken === 'tok-7'))
  t.ok(progress.every((m, i) => i === 0 || m.params.progress > progress[i - 1].params.progress), 'progress strictly increases')
  const chartProgress = session.messages.filter((m) => m.method === 'notifications/chart_progress')
  t.ok(chartProgress.some((m) => m.params.data.status === 'completed' && m.params.data.symbol === 'SP:SPX'), 'chart_progress reaches the stream that called')
  t.ok(session.messages.indexOf(progress[0]) < resultIndex, 'progress came before the answer')
})

t.test('POST to an unknown or closed stream is a 404 JSON-RPC error; a stream sees only its own answers', async (t) => {
  const { url, app } = await startApp(t)
  const unknown = await rpc(`${url}/sse/AAAAAAAAAAAAAAAAAAAAAA/messages`, { jsonrpc: '2.0', id: 1, method: 'tools/list' })
  t.equal(unknown.status, 404)
  t.match(unknown.body, { jsonrpc: '2.0', id: 1, error: { code: -32000, message: /No open \/sse stream has this id/ } })
  t.equal((await rpc(`${url}/sse/not-an-id/messages`, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status, 404)

  const a = await openSession(t, url)
  const b = await openSession(t, url)
  t.not(a.messagesUrl, b.messagesUrl)
  await a.post({ jsonrpc: '2.0', id: 'only-a', method: 'tools/list' })
  await a.answer('only-a')
  await b.post({ jsonrpc: '2.0', id: 'only-b', method: 'tools/list' })
  await b.answer('only-b')
  t.notOk(b.messages.some((m) => m.id === 'only-a'), 'a\'s answer never reaches b')

  a.source.close()
  await waitFor('a released', () => app.seedStreams.clientCount === 1)
  const closed = await rpc(`${url}${a.messagesUrl}`, { jsonrpc: '2.0', id: 2, method: 'tools/list' })
  t.equal(closed.status, 404, 'the id dies with its stream')
})

t.test('an anonymous stream reopened with a Last-Event-ID (after a restart) gets no "events were missed" error', async (t) => {
  const { url } = await startApp(t)
  const session = await openSession(t, url, { headers: { 'last-event-id': '1700000000000-42' } })
  await session.post({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
  await session.answer(1)
  t.same(session.messages.filter((m) => m.type === 'error'), [], 'nothing could have been missed on a fresh anonymous stream')
  const named = await openStream(t, `${url}/sse?clientId=desk-2`, { 'last-event-id': '1700000000000-42' })
  await waitFor('named stream warns', () => named.text().includes('"type":"error"'))
  t.pass('a named stream, which a client can resume, still says when its replay is incomplete')
})
