/**
 * Session cap (503 + Retry-After, shared by Streamable HTTP and legacy SSE) and idle reaping (never mid-request).
 */
import t from 'tap'
import { pino } from 'pino'
import { SessionManager } from '../../src/mcp/sessions.js'
import { INITIALIZE, MCP_HEADERS, rawInitialize, startMcpApp } from './helper.js'

const V = { 'mcp-protocol-version': '2025-11-25' }
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('MAX_SESSIONS: the next initialize gets 503 + Retry-After + a JSON-RPC error; legacy shares the cap', async (t) => {
  const { url, base } = await startMcpApp(t, { MAX_SESSIONS: 2 })
  const first = await rawInitialize(url)
  await rawInitialize(url)
  const full = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify({ ...INITIALIZE, id: 'init-3' }) })
  t.equal(full.status, 503)
  t.match(full.headers.get('retry-after'), /^\d+$/)
  t.match(await full.json(), { jsonrpc: '2.0', id: 'init-3', error: { code: -32000, message: /MAX_SESSIONS=2/ } })
  const legacy = await fetch(`${base}/mcp/legacy/sse`, { headers: { accept: 'text/event-stream' } })
  t.equal(legacy.status, 503, 'legacy SSE counts against the same cap')
  await legacy.body?.cancel()

  const del = await fetch(url, { method: 'DELETE', headers: { ...V, 'mcp-session-id': first } })
  t.equal(del.status, 200)
  await del.body?.cancel()
  const again = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) })
  t.equal(again.status, 200, 'a freed slot can be used')
  await again.body?.cancel()
})

t.test('idle sessions are reaped after SESSION_IDLE_MS, never while a request is in flight', async (t) => {
  const { url, app, engine } = await startMcpApp(t, { SESSION_IDLE_MS: 1000 })
  engine!.stageMs = 700 // one chart call takes ~1.4 s: longer than the idle timeout
  const idle = await rawInitialize(url)
  const busy = await rawInitialize(url)
  const call = fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': busy },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' } } })
  }).then(async (r) => await r.text())
  await sleep(1300)
  t.notOk(app.mcp.sessions.has(idle), 'the idle session was reaped')
  t.ok(app.mcp.sessions.has(busy), 'the busy session was kept')
  t.match(await call, /"id":1/, 'the long call completed')
  const gone = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': idle }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) })
  t.equal(gone.status, 404, 'a reaped session answers 404 so the client re-initialises')
  await gone.body?.cancel()
  await sleep(1300)
  t.notOk(app.mcp.sessions.has(busy), 'once idle, the other session is reaped too')
})

t.test('a call whose POST stream was dropped keeps its session busy until the call ends', async (t) => {
  const { url, app, engine } = await startMcpApp(t, { SESSION_IDLE_MS: 1000 })
  engine!.stageMs = 1000 // the call runs ~2 s, longer than the idle timeout
  const id = await rawInitialize(url)
  const controller = new AbortController()
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...V, 'mcp-session-id': id },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' } } }),
    signal: controller.signal
  })
  t.equal(response.status, 200)
  controller.abort() // the client drops the stream; it could resume later with Last-Event-ID
  await sleep(1500)
  t.ok(app.mcp.sessions.has(id), 'not reaped while its tool call still runs')
  await sleep(2500)
  t.notOk(app.mcp.sessions.has(id), 'reaped once the call ended and the session stayed idle')
})

t.test('an open GET stream keeps its session', async (t) => {
  const { url, app } = await startMcpApp(t, { SESSION_IDLE_MS: 1000 })
  const id = await rawInitialize(url)
  const controller = new AbortController()
  const stream = await fetch(url, { headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': id }, signal: controller.signal })
  t.equal(stream.status, 200)
  await sleep(1400)
  t.ok(app.mcp.sessions.has(id), 'kept while its stream is open')
  controller.abort()
})

t.test('SessionManager with a fake clock', async (t) => {
  let now = 0
  const closed: string[] = []
  const manager = new SessionManager({ maxSessions: 2, idleMs: 100, log: pino({ level: 'silent' }), sweepMs: 1_000_000, now: () => now })
  t.teardown(async () => { await manager.closeAll() })
  const release = manager.reserve()
  t.ok(release)
  manager.add({ id: 'a', kind: 'streamable', close: async () => { closed.push('a') } })
  release?.()
  release?.() // idempotent
  manager.add({ id: 'b', kind: 'legacy', close: async () => { closed.push('b') } })
  t.equal(manager.reserve(), null, 'full')
  t.equal(manager.count('legacy'), 1)
  const done = manager.track('a')
  now = 500
  t.equal(manager.reapIdle(), 1, 'b reaped, a in flight')
  done()
  done() // idempotent
  now = 550
  t.equal(manager.reapIdle(), 0, 'a was active at 500')
  now = 601
  t.equal(manager.reapIdle(), 1)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(closed.sort(), ['a', 'b'])
  t.equal(manager.size, 0)
  await manager.closeAll()
  t.equal(manager.reserve(), null, 'closed managers take no sessions')
})

t.test('app close ends every session and its open streams', async (t) => {
  // As the app runs (src/app.ts): Fastify leaves open streams alone, so only the plugin's closeAll can end them.
  const { url, base, app } = await startMcpApp(t, {}, { forceCloseConnections: 'idle' })
  const id = await rawInitialize(url)
  const get = await fetch(url, { headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': id } })
  const legacy = await fetch(`${base}/mcp/legacy/sse`, { headers: { accept: 'text/event-stream' } })
  t.equal(get.status, 200)
  t.equal(legacy.status, 200)
  t.equal(app.mcp.sessions.size, 2)
  const started = Date.now()
  const closed = await Promise.race([app.close().then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000))])
  t.ok(closed && Date.now() - started < 3000, 'close does not wait for the streams to time out')
  t.equal(app.mcp.sessions.size, 0)
  // Both streams end (cleanly or by reset) instead of hanging.
  const drained = async (r: Response): Promise<string> => await r.text().then(() => 'ended', () => 'ended')
  t.same(await Promise.all([drained(get), drained(legacy)]), ['ended', 'ended'])
})
