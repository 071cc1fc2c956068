/**
 * Scenario 1, fuzz: requests generated with fast-check over every route of the OpenAPI document at /docs/json (plus unknown
 * paths and other methods): JSON-RPC bodies with odd ids, methods and params, `generate_chart` arguments near and
 * far from valid, arbitrary JSON, non-JSON text, batches; headers (content types, Accept, Last-Event-ID,
 * Mcp-Session-Id, MCP-Protocol-Version, X-Client-Id, Origin). Every request must be answered (headers within 30 s;
 * an SSE stream counts as answered once its headers arrive), with no 5xx, no stack trace, no crash of the process.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { BOUNDED, Report, hasStackTrace } from './report.js'

const REQUESTS = BOUNDED ? 2000 : 10_000
const CONCURRENCY = 16
const ANSWER_WITHIN_MS = 30_000
const SEED = 20261127

interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((s) => s.replace(/[\r\n]/g, ' '))
const anyText = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }))
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 40 }), fc.constant(null), fc.double(), fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined))
const METHODS = ['initialize', 'notifications/initialized', 'tools/list', 'tools/call', 'ping', 'resources/list', 'resources/read',
  'resources/subscribe', 'prompts/list', 'prompts/get', 'logging/setLevel', 'completion/complete', 'server/discover', 'subscriptions/listen',
  'notifications/cancelled', 'sampling/createMessage', 'nonexistent/method']
const TOOLS = ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check', 'no_such_tool']

const chartArgs = fc.record({
  symbol: fc.oneof(fc.constantFrom('NASDAQ:AAPL', 'SP:SPX', 'CBOE:VIX', 'NOPE:NOPE', ':', ''), anyText),
  interval: fc.oneof(fc.constantFrom('1D', '1W', '1M', '1h', '5m', '7x'), anyText),
  style: fc.oneof(fc.constantFrom('candle', 'line', 'bar', 'area', 'heikinAshi', 'hollowCandle', 'nope'), anyText),
  theme: fc.oneof(fc.constantFrom('light', 'dark'), anyText),
  width: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double(), anyText),
  height: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double(), anyText),
  range: fc.oneof(fc.constantFrom('1M', '1Y', 'ALL', 'DYNAMIC'), fc.record({ from: anyText, to: anyText }), fc.jsonValue({ maxDepth: 2 })),
  studies: fc.oneof(fc.array(fc.record({ name: fc.oneof(fc.constantFrom('MACD', 'Volume', 'Relative Strength Index', 'Bollinger Bands'), anyText), input: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }), { maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
  drawings: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
  format: fc.oneof(fc.constantFrom('png', 'jpeg', 'svg'), anyText),
  storage: fc.jsonValue({ maxDepth: 1 }),
  requestId: anyText,
  limit: fc.oneof(fc.integer(), anyText),
  exchange: anyText,
  extra: fc.jsonValue({ maxDepth: 2 })
}, { requiredKeys: [] })

const params = fc.oneof(
  fc.record({ name: fc.oneof(fc.constantFrom(...TOOLS), anyText), arguments: fc.oneof(chartArgs, fc.jsonValue({ maxDepth: 2 })), _meta: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.record({ protocolVersion: fc.oneof(fc.constantFrom('2025-11-25', '2025-06-18', '2024-11-05', '2026-07-28'), anyText), capabilities: fc.jsonValue({ maxDepth: 2 }), clientInfo: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 })
)

// Mostly well-formed envelopes (so the bodies reach the tools), sometimes with extra top-level fields: a body with one
// extra field once got no answer at all on the JSON-RPC routes.
const jsonRpc = fc.tuple(fc.record({
  jsonrpc: fc.oneof({ weight: 5, arbitrary: fc.constant('2.0') }, fc.jsonValue({ maxDepth: 1 })),
  id,
  method: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...METHODS) }, anyText),
  params
}, { requiredKeys: [] }), fc.option(fc.dictionary(printable, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), { freq: 3 }))
  .map(([message, extra]) => ({ ...(extra ?? {}), ...message }))

const body = fc.oneof(
  { weight: 4, arbitrary: jsonRpc.map((m) => JSON.stringify(m)) },
  { weight: 3, arbitrary: chartArgs.map((a) => JSON.stringify(a)) },
  { weight: 1, arbitrary: fc.array(jsonRpc, { maxLength: 5 }).map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constant('') }
)

const headers = fc.record({
  'content-type': fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, fc.constantFrom('application/json; charset=utf-8', 'text/plain',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'text/event-stream', 'garbage')),
  accept: fc.constantFrom('application/json, text/event-stream', 'text/event-stream', 'application/json', '*/*', 'image/png', 'nothing/here'),
  'last-event-id': fc.oneof(printable, fc.tuple(fc.integer({ min: 0, max: 0xffffffff }).map((n) => n.toString(16)), fc.nat()).map(([e, n]) => `${e}-${n}`)),
  'mcp-session-id': fc.oneof(fc.uuid(), printable),
  'mcp-protocol-version': fc.oneof(fc.constantFrom('2025-11-25', '2025-06-18', '2026-07-28'), printable),
  'x-client-id': printable,
  origin: fc.oneof({ weight: 4, arbitrary: fc.constant('http://127.0.0.1') }, fc.constantFrom('http://localhost:3000', 'https://evil.example', 'null'))
}, { requiredKeys: ['content-type', 'accept'] })

function requests (routes: Array<{ method: string, path: string }>): fc.Arbitrary<FuzzRequest> {
  const known = fc.constantFrom(...routes)
  const segment = fc.oneof(printable.map((s) => encodeURIComponent(s)), fc.constantFrom('fz-client-1', 'req_1_ab', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300), '%ZZ'))
  const route = fc.oneof(
    { weight: 8, arbitrary: fc.tuple(known, segment, fc.boolean()).map(([r, s, otherMethod]) => ({ method: otherMethod ? 'X' : r.method, path: r.path.replace(/:[A-Za-z]+/g, s) })) },
    { weight: 1, arbitrary: fc.webPath().map((p) => ({ method: 'X', path: p === '' ? '/' : p })) }
  )
  return fc.tuple(route, fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'), headers, body, fc.oneof(fc.constant(''), printable.map((q) => `?sessionId=${encodeURIComponent(q)}`)))
    .map(([r, otherMethod, h, b, query]) => {
      const method = r.method === 'X' ? otherMethod : r.method
      return { method, path: r.path + query, headers: h, body: method === 'GET' || method === 'HEAD' ? undefined : b }
    })
}

interface Outcome { status: number | 'unanswered' | 'client-error', text: string, request: FuzzRequest }

async function send (base: string, request: FuzzRequest): Promise<Outcome> {
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort() }, ANSWER_WITHIN_MS)
  try {
    const response = await fetch(base + request.path, { method: request.method, headers: request.headers, body: request.body, signal: controller.signal })
    let text = ''
    if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      // A stream is answered once its headers arrive; read its first chunk, then hang up.
      const reader = response.body?.getReader()
      const first = await reader?.read()
      text = first?.value === undefined ? '' : Buffer.from(first.value).toString()
      await reader?.cancel()
    } else {
      text = await response.text()
    }
    return { status: response.status, text, request }
  } catch (error) {
    if (controller.signal.aborted) return { status: 'unanswered', text: '', request }
    // The server cut the connection without an answer (a reset): as bad as no answer.
    return { status: 'client-error', text: String((error as Error).cause ?? error), request }
  } finally {
    clearTimeout(timer)
  }
}

async function main (): Promise<void> {
  const report = new Report(`1. Fuzz: ${REQUESTS.toLocaleString('en-US')} generated requests over every route (fast-check, seed ${SEED})`)
  let crashes = 0
  process.on('uncaughtException', (error) => { crashes++; console.log('uncaught exception:', error) })
  process.on('unhandledRejection', (error) => { crashes++; console.log('unhandled rejection:', error) })
  const dataDir = await mkdtemp(join(tmpdir(), 'reliability-fuzz-'))
  const app = await buildApp(testConfig({
    PORT: 0,
    DATA_DIR: dataDir,
    RENDER_WORKERS: 2,
    RENDER_QUEUE_LIMIT: 10_000,
    MAX_SESSIONS: 1_000_000,
    MAX_SSE_CLIENTS: 1_000_000,
    // Every request comes from one address: the per-address rate limit would answer most of them 429 unexamined.
    RATE_LIMIT_MAX: 0
  }), { logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  // The OpenAPI document lists every route the app serves (test/openapi.test.ts); its `{param}` paths become `:param`.
  const document = await (await fetch(`${base}/docs/json`)).json() as { paths?: Record<string, Record<string, unknown>> }
  const routes = Object.entries(document.paths ?? {}).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{([^}]+)\}/g, ':$1') })))
  if (routes.length === 0) throw new Error('the OpenAPI document at /docs/json lists no routes')
  report.figure('routes in the OpenAPI document (/docs/json)', routes.length)
  const samples = fc.sample(requests(routes), { numRuns: REQUESTS, seed: SEED })

  const outcomes: Outcome[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < samples.length) {
      const request = samples[next++]
      outcomes.push(await send(base, request))
    }
  }))
  const seconds = (performance.now() - started) / 1000
  const health = await fetch(`${base}/mcp/health`)
  await app.close()
  await rm(dataDir, { recursive: true, force: true })

  const byStatus = new Map<string, number>()
  for (const o of outcomes) byStatus.set(String(o.status), (byStatus.get(String(o.status)) ?? 0) + 1)
  const serverErrors = outcomes.filter((o) => typeof o.status === 'number' && o.status >= 500)
  const unanswered = outcomes.filter((o) => o.status === 'unanswered')
  const resets = outcomes.filter((o) => o.status === 'client-error')
  const traces = outcomes.filter((o) => hasStackTrace(o.text))
  const perRoute = new Map<string, number>()
  for (const o of outcomes) {
    const route = routes.find((r) => new RegExp(`^${r.path.replace(/:[A-Za-z]+/g, '[^/]+')}(\\?|$)`).test(o.request.path))
    const key = route === undefined ? '(other paths)' : `${route.method} ${route.path}`
    perRoute.set(key, (perRoute.get(key) ?? 0) + 1)
  }
  report.figure('requests sent, answered', `${outcomes.length}, ${outcomes.length - unanswered.length - resets.length}`)
  report.figure('time, requests/s', `${seconds.toFixed(1)} s, ${Math.round(outcomes.length / seconds)}`)
  report.figure('statuses', [...byStatus].sort().map(([s, n]) => `${s}: ${n}`).join(', '))
  report.figure('paths hit (by listed route)', [...perRoute].sort().map(([r, n]) => `${r}: ${n}`).join('; '))
  const example = (list: Outcome[]): string => list.slice(0, 3).map((o) => `${o.request.method} ${o.request.path.slice(0, 80)} ${o.request.body?.slice(0, 120) ?? ''} → ${String(o.status)} ${o.text.slice(0, 160)}`).join(' | ')
  report.check(`all ${REQUESTS} requests sent`, outcomes.length === REQUESTS)
  report.check('0 unanswered', unanswered.length === 0, `${unanswered.length}: ${example(unanswered)}`)
  report.check('0 connections cut without an answer', resets.length === 0, `${resets.length}: ${example(resets)}`)
  report.check('0 5xx', serverErrors.length === 0, `${serverErrors.length}: ${example(serverErrors)}`)
  report.check('0 stack traces', traces.length === 0, `${traces.length}: ${example(traces)}`)
  report.check('0 crashes (uncaught exceptions, unhandled rejections)', crashes === 0, String(crashes))
  report.check('health still 200 afterwards', health.status === 200, String(health.status))
  report.finish()
}

await main()
