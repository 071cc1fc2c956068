/**
 * GET /metrics (src/metrics.ts, plugins/metrics.ts, routes/metrics.ts): Prometheus text with every metric issue 10
 * names, moving as a real client uses the server. Access (token, scope, Host) is in test/security/route-matrix.test.ts.
 */
import t from 'tap'
import { startApp } from './support/app.js'
import { startFakeChartImg } from './support/fake-chart-img.js'
import { metricValue, scrapeMetrics } from './support/metrics.js'
import { openStream } from './sse/stream-client.js'
import { waitFor } from './sse/wait.js'

const NAMES = [
  'chart_img_mcp_open_channels', 'chart_img_mcp_open_sessions', 'chart_img_mcp_events_published_total',
  'chart_img_mcp_events_delivered_total', 'chart_img_mcp_events_dropped_total', 'chart_img_mcp_replay_total',
  'chart_img_mcp_render_queue', 'chart_img_mcp_render_duration_seconds_bucket', 'chart_img_mcp_chart_img_calls_total',
  'chart_img_mcp_redis_errors_total', 'process_resident_memory_bytes'
]

t.test('GET /metrics: Prometheus text; channels, sessions, events, replays and renders counted as a client uses the server', async (t) => {
  const { url } = await startApp(t)
  const response = await fetch(`${url}/metrics`)
  t.equal(response.status, 200)
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const text = await response.text()
  // Declared even before anything happened: a dashboard finds every name on every instance.
  for (const name of NAMES) t.match(text, new RegExp(`^# TYPE ${name.replace(/_bucket$/, '')} `, 'm'), `${name} is declared`)

  const before = await scrapeMetrics(url)
  const stream = await openStream(t, `${url}/mcp/events/metrics-client`)
  await waitFor('connected', () => stream.events().some((e) => e.event === 'connected'))
  const session = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'metrics', version: '1' } } })
  })
  t.equal(session.status, 200)
  await session.body?.cancel()
  const open = await scrapeMetrics(url)
  t.equal(metricValue(open, 'chart_img_mcp_open_channels', { surface: 'events' }), 1, 'one open channel')
  t.equal(metricValue(open, 'chart_img_mcp_open_sessions'), metricValue(before, 'chart_img_mcp_open_sessions') + 1, 'one more MCP session')

  const chart = await fetch(`${url}/mcp/tools/generate_chart`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': 'metrics-client' },
    body: JSON.stringify({ symbol: 'SP:SPX', width: 400, height: 300 })
  })
  t.equal(chart.status, 200)
  // Read to the end, not cancelled: a cancelled 23 kB answer leaves its connection busy on the server, and the app's
  // close then waits for it (about 70 s) in teardown.
  await chart.arrayBuffer()
  await waitFor('completed', () => stream.events().some((e) => e.data?.includes('"completed"')))
  const progress = stream.events().filter((e) => e.event === 'chart_progress')
  // An event for a client with no channel here is dropped (no_channel).
  const unheard = await fetch(`${url}/mcp/tools/generate_chart`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': 'nobody-listens' },
    body: JSON.stringify({ symbol: 'SP:SPX', width: 400, height: 300 })
  })
  await unheard.arrayBuffer()
  // A reconnection that gets everything it missed is a replay hit.
  const lastId = progress[0].id ?? ''
  stream.abort()
  const resumed = await openStream(t, `${url}/mcp/events/metrics-client`, { 'last-event-id': lastId })
  await waitFor('the replay', () => resumed.events().some((e) => e.data?.includes('"completed"')))
  resumed.abort()

  const after = await scrapeMetrics(url)
  const delta = (name: string, labels: Record<string, string> = {}): number => metricValue(after, name, labels) - metricValue(before, name, labels)
  t.ok(delta('chart_img_mcp_events_published_total') > progress.length, 'the events of both charts were published')
  t.ok(delta('chart_img_mcp_events_delivered_total') >= progress.length, 'the first chart\'s events were delivered to the stream')
  t.ok(delta('chart_img_mcp_events_dropped_total', { reason: 'no_channel' }) >= 1, 'the second chart\'s events had no channel')
  t.equal(delta('chart_img_mcp_replay_total', { result: 'hit' }), 1, 'one complete replay')
  t.equal(delta('chart_img_mcp_render_duration_seconds_count', { engine: 'local', outcome: 'ok' }), 2, 'two renders timed')
  t.equal(metricValue(after, 'chart_img_mcp_render_queue'), 0, 'no render left in the queue')
  t.ok(metricValue(after, 'process_resident_memory_bytes') > 0, 'process metrics')
})

t.test('GET /metrics: Chart-IMG calls counted by status', async (t) => {
  const fake = await startFakeChartImg()
  t.teardown(async () => { await fake.close() })
  const { url } = await startApp(t, { CHART_IMG_API_KEY: fake.apiKey, CHART_IMG_BASE_URL: fake.url })
  const before = await scrapeMetrics(url)
  fake.script({ kind: 'status', status: 400, message: 'Invalid symbol' })
  for (let i = 0; i < 2; i++) {
    const chart = await fetch(`${url}/mcp/tools/generate_chart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ symbol: 'NASDAQ:AAPL', width: 400, height: 300 })
    })
    t.equal(chart.status, 200)
    await chart.arrayBuffer()
  }
  const after = await scrapeMetrics(url)
  const delta = (status: string): number => metricValue(after, 'chart_img_mcp_chart_img_calls_total', { status }) - metricValue(before, 'chart_img_mcp_chart_img_calls_total', { status })
  t.equal(delta('400'), 1, 'the refused call')
  t.equal(delta('200'), 1, 'the chart Chart-IMG made')
  t.equal(metricValue(after, 'chart_img_mcp_render_duration_seconds_count', { engine: 'chart-img', outcome: 'failed' }), 1, 'the failed render timed')
})
