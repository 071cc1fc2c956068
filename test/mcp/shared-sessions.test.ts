/**
 * 2025-era MCP sessions shared through Redis (REDIS_URL): three instances on one real redis-server, an SDK v1 client
 * (StreamableHTTPClientTransport) whose requests a custom fetch sends to a different instance each — the way a load
 * balancer without stickiness would.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'
import { connectResourceWatcher, MCP_HEADERS, rawInitialize, startMcpApp, type McpApp, type TestLike } from './helper.js'

/** The events of an SSE body with their ids; priming events (empty data) give an id and no message. */
function sseEvents (text: string): Array<{ id?: string, message?: unknown }> {
  return text.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const lines = block.split('\n')
    const id = lines.find((l) => l.startsWith('id: '))?.slice(4)
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')
    return { ...(id === undefined ? {} : { id }), ...(data === '' ? {} : { message: JSON.parse(data) }) }
  })
}

type Instance = 'A' | 'B' | 'C'

async function cluster (t: TestLike, overrides: Record<string, unknown> = {}, realCore = false): Promise<{ apps: Record<Instance, McpApp>, redis: Redis }> {
  const server = await startRedis(t, t.testdir())
  const root = t.testdir()
  for (const dir of ['a', 'b', 'c']) mkdirSync(join(root, dir))
  const start = async (dir: string): Promise<McpApp> => await startMcpApp({ testdir: () => join(root, dir), teardown: (fn) => { t.teardown(fn) } }, { REDIS_URL: server.url, ...overrides }, { realCore })
  const [A, B, C] = [await start('a'), await start('b'), await start('c')]
  const redis = new Redis(server.url)
  t.teardown(async () => { redis.disconnect() })
  return { apps: { A, B, C }, redis }
}

/** A fetch that sends each request to the instance `pick` names, whatever URL the client used. */
function routedFetch (apps: Record<Instance, McpApp>, pick: (method: string, body: string) => Instance, log: string[]): typeof fetch {
  return async (input, init) => {
    const method = init?.method ?? 'GET'
    const body = typeof init?.body === 'string' ? init.body : ''
    const target = pick(method, body)
    log.push(`${method} ${/"method":"([^"]+)"/.exec(body)?.[1] ?? (body.includes('"result"') ? 'response' : '')} → ${target}`)
    const url = new URL(String(input instanceof Request ? input.url : input))
    return await fetch(apps[target].url + url.search, init)
  }
}

t.test('initialize on A, tools/call on B, GET stream on C: progress and result arrive; DELETE on A → 404 on B', async (t) => {
  const { apps, redis } = await cluster(t)
  const log: string[] = []
  const pick = (method: string, body: string): Instance => {
    if (method === 'GET') return 'C'
    if (method === 'DELETE') return 'A'
    if (body.includes('"initialize"')) return 'A'
    return 'B'
  }
  const transport = new StreamableHTTPClientTransport(new URL(apps.A.url), { fetch: routedFetch(apps, pick, log) })
  const client = new Client({ name: 'shared-session', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const sessionId = transport.sessionId as string
  t.match(sessionId, /^[0-9a-f-]{36}$/)
  t.equal(await redis.exists(`chart-img-mcp:mcp:session:${sessionId}`), 1, 'the session is in Redis')

  const progress: number[] = []
  const result = await client.request({
    method: 'tools/call',
    params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1D', range: '1M' }, _meta: { progressToken: 'p1' } }
  }, CallToolResultSchema, { onprogress: (p) => { progress.push(p.progress) } })
  t.notOk(result.isError, JSON.stringify(result.content).slice(0, 300))
  t.ok(progress.length >= 1, `progress on B's stream (${progress.length})`)
  await waitFor('the GET stream open on C', () => apps.C.app.mcp.sessions.has(sessionId))
  t.ok(log.some((line) => line.startsWith('GET') && line.endsWith('→ C')), 'the client opened its GET stream on C')
  t.ok(log.some((line) => line.includes('tools/call → B')), 'the call went to B')
  t.ok(apps.B.app.mcp.sessions.has(sessionId), 'B holds a copy of the session it never saw initialized')

  await transport.terminateSession()
  t.equal(await redis.exists(`chart-img-mcp:mcp:session:${sessionId}`), 0, 'DELETE removed it from Redis')
  const after = await fetch(apps.B.url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' })
  })
  t.equal(after.status, 404, 'B answers 404 once A ended the session')
  t.equal(((await after.json()) as { error: { code: number } }).error.code, -32001)
  await waitFor('B dropped its copy', () => !apps.B.app.mcp.sessions.has(sessionId))
})

t.test('a server→client elicitation asked by B is answered through C and reaches B', async (t) => {
  const { apps } = await cluster(t)
  const pick = (method: string, body: string): Instance => {
    if (method === 'GET') return 'A'
    if (body.includes('"initialize"')) return 'A'
    if (body.includes('"tools/call"')) return 'B'
    return 'C'
  }
  const log: string[] = []
  const transport = new StreamableHTTPClientTransport(new URL(apps.A.url), { fetch: routedFetch(apps, pick, log) })
  const client = new Client({ name: 'elicit-shared', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } })
  const asked: string[] = []
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message)
    return { action: 'accept', content: { symbol: 'NASDAQ:GOOG' } }
  })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NYSE:A' } })
  const text = (chart.content as Array<{ text?: string }>)[0]?.text ?? ''
  t.notOk(chart.isError, text)
  t.match(text, /Chart ready: NASDAQ:GOOG/, 'B got the answer that was POSTed to C')
  t.equal(asked.length, 1)
  t.ok(log.some((line) => line === 'POST response → C'), 'the answer went to C')
})

t.test('a POST stream cut on B resumes on C with Last-Event-ID: every later event once', async (t) => {
  const { apps } = await cluster(t)
  const sessionId = await rawInitialize(apps.A.url)
  const headers = { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }
  const abort = new AbortController()
  const call = await fetch(apps.B.url, {
    method: 'POST',
    headers,
    signal: abort.signal,
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' }, _meta: { progressToken: 'cut' } } })
  })
  // Read up to the first progress notification, then drop the connection.
  const reader = (call.body as ReadableStream<Uint8Array>).getReader()
  let text = ''
  while (!/notifications\/progress[^\n]*\n/.test(text)) {
    const { value, done } = await reader.read()
    if (done === true) break
    text += new TextDecoder().decode(value)
  }
  abort.abort()
  const ids = [...text.matchAll(/^id: (.+)$/gm)].map((m) => m[1])
  const lastId = ids[ids.length - 1]
  t.ok(lastId, `an event id before the cut (${ids.length} events)`)

  // Resume on C until the result (the SDK closes a resumed stream that is not live here: reconnect like a client).
  const seen: string[] = []
  let result: unknown
  let from = lastId
  await waitFor('the result through resumed streams on C', async () => {
    const resumed = await fetch(apps.C.url, { headers: { ...headers, accept: 'text/event-stream', 'last-event-id': from } })
    if (resumed.status !== 200) throw new Error(`resume answered ${resumed.status}: ${await resumed.text()}`)
    for (const { id, message } of sseEvents(await resumed.text())) {
      if (id !== undefined) {
        seen.push(id)
        from = id
      }
      if ((message as { id?: number } | undefined)?.id === 2) result = message
    }
    return result
  })
  t.same(new Set(seen).size, seen.length, 'no event twice')
  t.notOk(seen.some((id) => ids.includes(id)), 'nothing already received is sent again')
  t.match(result, { result: { content: [{ type: 'text', text: /Chart ready/ }] } }, 'the result of the call arrives on C')
  t.notOk((result as { result?: { isError?: boolean } } | undefined)?.result?.isError, 'and it is a chart, not an error')
})

t.test('an idle session expires in Redis: 404 on every instance', async (t) => {
  const { apps, redis } = await cluster(t, { SESSION_IDLE_MS: 1000 })
  const sessionId = await rawInitialize(apps.A.url)
  const key = `chart-img-mcp:mcp:session:${sessionId}`
  t.ok(await redis.pttl(key) > 0, 'the session has an idle TTL')
  await waitFor('the session to expire in Redis', async () => await redis.exists(key) === 0 ? true : undefined, 30_000)
  for (const name of ['B', 'A'] as const) {
    const response = await fetch(apps[name].url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })
    })
    t.equal(response.status, 404, `${name} answers 404 for the expired session`)
  }
})

t.test('a resource update sent by B reaches the GET stream held by C, once, though two instances watch it', async (t) => {
  const { apps, redis } = await cluster(t, {}, true)
  const pick = (method: string, body: string): Instance => {
    if (method === 'GET') return 'C'
    if (body.includes('"initialize"')) return 'A'
    if (body.includes('"ping"')) return 'A'
    return 'B'
  }
  const transport = new StreamableHTTPClientTransport(new URL(apps.A.url), { fetch: routedFetch(apps, pick, []) })
  const { client, updated, sessionId } = await connectResourceWatcher(t, transport)
  await waitFor('the GET stream open on C', () => apps.C.app.mcp.sessions.has(sessionId))

  // The real core: chart requests are in Redis (every instance knows them), so every copy may watch one.
  const call = client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 1600, height: 1000, studies: [{ name: 'MACD' }] } })
  const record = await waitFor('the chart request', async () => (await apps.B.app.core.charts.recent(1, null))[0])
  const uri = `chart://requests/${record.requestId}`
  await client.subscribeResource({ uri })
  // A's copy predates the subscription: dropped and rebuilt, it watches the resource too.
  await apps.A.app.mcp.sessions.end(sessionId)
  await client.ping()
  t.ok(apps.A.app.mcp.sessions.has(sessionId), 'A rebuilt its copy with the subscription')
  await call
  await waitFor('the update on the GET stream (C)', () => updated.length > 0)
  const stored = await redis.xrange(`chart-img-mcp:mcp:events:${sessionId}:_GET_stream`, '-', '+')
  t.equal(stored.length, 1, 'stored once in the session\'s GET stream')
  await client.ping()
  t.same(updated, [uri], 'the client was told once')
})

t.test('a session belongs to its principal on every instance: another one gets 404, as for an unknown id', async (t) => {
  const alice = 'alice-static-token-0123456789'
  const bob = 'bob-static-token-9876543210'
  const { apps } = await cluster(t, { AUTH_TOKENS: [{ name: 'alice', token: alice }, { name: 'bob', token: bob }] })
  const sessionId = await rawInitialize(apps.A.url, { authorization: `Bearer ${alice}` })
  const list = async (token: string): Promise<number> => {
    const response = await fetch(apps.B.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${token}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })
    })
    await response.text()
    return response.status
  }
  t.equal(await list(bob), 404, 'bob cannot use alice\'s session on B')
  t.equal(await list(alice), 200, 'alice can')
})
