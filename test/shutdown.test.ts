/**
 * Graceful drain, driven the way a deploy does it: charts rendering and waiting, then the drain. New requests get a
 * clean 503 from the still-listening socket, waiting renders are refused with a clear message, the running one
 * finishes, every caller is answered, and every SSE stream gets its close event with `retry:`. Past the deadline,
 * running work is aborted and still answered. The process-level SIGTERM → exit 0 path is test/deploy.test.ts and
 * the fault suite (bench/reliability).
 */
import { once } from 'node:events'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import t from 'tap'
import type { ChartStatus } from '../src/events/types.js'
import { shutDown } from '../src/server.js'
import { callTool, heavyChartArgs, startApp } from './support/app.js'
import { parseSse } from './sse/sse-text.js'
import { waitFor } from './sse/wait.js'

const big = heavyChartArgs

/** Every status each request went through, from the bus (in-process: the positive signal the test waits on). */
function watchStatuses (app: Awaited<ReturnType<typeof startApp>>['app']): Map<string, ChartStatus[]> {
  const seen = new Map<string, ChartStatus[]>()
  app.bus.subscribe((message) => {
    const list = seen.get(message.event.requestId) ?? []
    list.push(message.event.data.status)
    seen.set(message.event.requestId, list)
  })
  return seen
}

/** An SSE stream read as raw text until the server ends it. */
function openStream (url: string): Promise<{ text: () => string, ended: Promise<void>, opened: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let text = ''
    let markOpened: () => void = () => {}
    const opened = new Promise<void>((resolve) => { markOpened = resolve })
    const req = httpRequest(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8')
      const ended = new Promise<void>((resolve) => { res.on('end', resolve); res.on('close', resolve) })
      res.on('data', (chunk: string) => { text += chunk; if (text.includes('event: connected')) markOpened() })
      resolve({ text: () => text, ended, opened })
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('drain: 503 for new requests while listening, queued renders refused, the running one finishes, streams closed with retry', async (t) => {
  const { app, url } = await startApp(t, { RENDER_WORKERS: 1, RENDER_CACHE_ENTRIES: 0 })
  const statuses = watchStatuses(app)
  const stream = await openStream(`${url}/mcp/events/watcher-1`)
  await stream.opened

  const calls = Array.from({ length: 4 }, async (_, i) => await callTool(url, 'generate_chart', big(i)))
  await waitFor('one render running and another waiting', () => {
    const all = [...statuses.values()]
    return all.some((s) => s.includes('rendering')) && all.some((s) => s.includes('queued') && !s.includes('rendering'))
  }, 120_000)

  const drained = app.drain(120_000)
  t.equal(app.draining, true)
  const refused = await fetch(`${url}/mcp/health`)
  t.equal(refused.status, 503, 'a new request during the drain gets a 503, not a reset')
  t.equal(refused.headers.get('connection'), 'close')
  t.equal(refused.headers.get('retry-after'), '5')
  t.match(await refused.json(), { code: 'SHUTTING_DOWN', error: /shutting down.*retry in 5 seconds/ })

  const answers = await Promise.all(calls)
  const outcome = await drained
  // A call still on its way to the chart service when the drain began is refused at intake and not counted here;
  // every caller's answer is checked below.
  t.equal(outcome.aborted, 0, 'no chart needed aborting: every one settled before the deadline')
  t.ok(outcome.finished >= 2 && outcome.finished <= 4, `the accepted charts settled (${outcome.finished})`)
  const texts = answers.map((a) => JSON.stringify(a.body))
  const made = answers.filter((a) => a.body.result?.isError !== true)
  const refusedCharts = texts.filter((text) => /shutting down.*not started; nothing was spent/.test(text))
  t.ok(made.length >= 1, `the running chart finished (${made.length} made)`)
  t.ok(refusedCharts.length >= 1, `waiting charts were refused with a clear message (${refusedCharts.length})`)
  t.equal(made.length + refusedCharts.length, 4, 'every caller got a chart or the shutting-down message')

  // The still-open stream got every chart's progress, and gets its close event on close().
  await app.close()
  await stream.ended
  const events = parseSse(stream.text()).events
  const last = events.at(-1)
  t.equal(last?.event, 'close')
  t.equal(last?.retry, 5000)
  t.match(JSON.parse(last?.data ?? '{}'), { type: 'close', reason: 'server_shutdown' })
})

t.test('drain past its deadline: the running render is aborted and its caller still answered', async (t) => {
  const { app, url } = await startApp(t, { RENDER_WORKERS: 1, RENDER_CACHE_ENTRIES: 0 })
  const statuses = watchStatuses(app)
  const call = callTool(url, 'generate_chart', big(0))
  await waitFor('the render to start', () => [...statuses.values()].some((s) => s.includes('rendering')), 120_000)
  // A deadline of 0: nothing that is rendering can finish inside it.
  const outcome = await app.drain(0)
  t.same(outcome, { finished: 0, aborted: 1 })
  const answer = await call
  t.equal(answer.body.result.isError, true)
  t.match(JSON.stringify(answer.body), /shut down before this chart finished; generate it again/)
  const record = (await app.core.charts.recent(1, null))[0]
  t.equal(record.status, 'failed', 'history says so')
})

t.test('new charts during a drain are refused at intake (nothing recorded as started)', async (t) => {
  const { app, url } = await startApp(t)
  await app.drain(1000)
  // In-process, past the HTTP 503: the service itself refuses too (stdio and any surface share it).
  const outcome = await app.core.charts.generate({ ...big(0), interval: '1D', style: 'candle', theme: 'light', timezone: 'Etc/UTC', format: 'png', drawings: [], storage: false } as never, { clientId: null, owner: null })
  t.equal(outcome.ok, false)
  t.match(outcome.ok ? '' : outcome.message, /shutting down/)
  t.equal((await app.core.charts.recent(10, null)).length, 0)
  t.equal((await fetch(`${url}/mcp/health`)).status, 503)
})

t.test('shutdown does not wait for a client that never finishes its request: its connection is cut', async (t) => {
  const { app, url } = await startApp(t)
  const { port } = new URL(url)
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  // Headers never end: Node counts this connection busy (not idle) until headersTimeout, a minute away.
  socket.write('GET /mcp/health HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  const closed = once(socket, 'close')
  socket.on('error', () => {})
  t.equal(await shutDown(app, 1000), 0, 'shutdown completes, exit code 0')
  await closed
  t.pass('the half-sent request\'s connection was closed by the server')
})
