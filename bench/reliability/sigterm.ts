/**
 * Scenario 5, SIGTERM under load: the real CLI process (`src/cli.ts`) with event streams open and chart calls in
 * flight on the JSON-RPC route, the REST route and MCP Streamable HTTP (SDK client sessions), more render work
 * queued than the drain deadline allows. Then SIGTERM. Every call must be answered (a chart, or a clear
 * "shutting down" / "shut down before it finished" error), a request sent just after SIGTERM gets a 503 (not a
 * reset), every stream gets its close event with `retry:`, the process exits 0 within its hard limit, and the
 * history store is intact after a restart (integrity check, row count, nothing left pending).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest, type ClientRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { SHUTDOWN_HARD_LIMIT_MS } from '../../src/server.js'
import { openSqlite } from '../../src/sqlite/database.js'
import { startServerProcess, type ServerProcess } from './server-process.js'
import { BOUNDED, Report, hasStackTrace } from './report.js'

const STREAMS = BOUNDED ? 200 : 2000
const CALLS = BOUNDED ? 40 : 200
const MCP_SESSIONS = BOUNDED ? 4 : 20

const report = new Report(`5. SIGTERM under load: ${CALLS} calls in flight on three surfaces, ${STREAMS.toLocaleString('en-US')} event streams`)

const startServer = async (dataDir: string): Promise<ServerProcess> => await startServerProcess(dataDir, {
  RENDER_WORKERS: '2', RENDER_QUEUE_LIMIT: '10000', RENDER_CACHE_ENTRIES: '0', MAX_SSE_CLIENTS: '100000', MAX_SESSIONS: '100000'
})

/** `connected` resolves true on the stream's `connected` event, false if the server refused or closed it first. */
interface Stream { request: ClientRequest, text: string, connected: Promise<boolean>, ended: Promise<void> }

function openStream (url: string, clientId: string): Stream {
  let markConnected: (ok: boolean) => void = () => {}
  let markEnded: () => void = () => {}
  const stream: Stream = {
    request: undefined as unknown as ClientRequest,
    text: '',
    connected: new Promise((resolve) => { markConnected = resolve }),
    ended: new Promise((resolve) => { markEnded = resolve })
  }
  stream.request = httpRequest(`${url}/mcp/events/${clientId}`, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('utf8')
    if (res.statusCode !== 200) stream.text = `HTTP ${String(res.statusCode)} `
    res.on('data', (chunk: string) => { stream.text += chunk; if (stream.text.includes('event: connected')) markConnected(true) })
    res.on('end', () => { markConnected(false); markEnded() })
    res.on('close', () => { markConnected(false); markEnded() })
  })
  stream.request.on('error', () => { markConnected(false); markEnded() })
  stream.request.end()
  return stream
}

const chartArgs = (i: number): Record<string, unknown> => ({
  symbol: 'SP:SPX',
  width: 1600 + (i % 300),
  height: 900,
  range: { from: '2005-01-01', to: '2019-06-01' },
  studies: [{ name: 'Volume' }, { name: 'MACD' }, { name: 'Relative Strength Index' }]
})

type Answer = { kind: 'chart' } | { kind: 'refused' } | { kind: 'aborted' } | { kind: 'other', detail: string } | { kind: 'unanswered', detail: string }

function classify (text: string): Answer {
  if (hasStackTrace(text)) return { kind: 'other', detail: `stack trace: ${text.slice(0, 200)}` }
  if (/shutting down.*not started/.test(text) || /"code":"SHUTTING_DOWN"/.test(text)) return { kind: 'refused' }
  if (/shut down before this chart finished/.test(text)) return { kind: 'aborted' }
  if (/"isError":true/.test(text) || /"error"/.test(text)) return { kind: 'other', detail: text.slice(0, 200) }
  return { kind: 'chart' }
}

async function seedCall (url: string, i: number): Promise<Answer> {
  try {
    const response = await fetch(`${url}/mcp/tools/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'generate_chart', arguments: chartArgs(i) } })
    })
    return classify(await response.text())
  } catch (error) {
    return { kind: 'unanswered', detail: String((error as Error).cause ?? error) }
  }
}

async function restCall (url: string, i: number): Promise<Answer> {
  try {
    const response = await fetch(`${url}/mcp/tools/generate_chart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(chartArgs(i)) })
    const text = await response.text()
    return classify(text)
  } catch (error) {
    return { kind: 'unanswered', detail: String((error as Error).cause ?? error) }
  }
}

async function mcpCall (client: Client, i: number, onStarted: () => void): Promise<Answer> {
  try {
    // Progress notifications are the positive signal that the call is in flight on the server.
    const result = await client.callTool({ name: 'generate_chart', arguments: chartArgs(i) }, undefined, { timeout: 120_000, onprogress: onStarted })
    return classify(JSON.stringify(result))
  } catch (error) {
    // A JSON-RPC error is an answer too (e.g. -32001 on shutdown), as long as it is one.
    const message = (error as Error).message
    if (/"code":"SHUTTING_DOWN"/.test(message)) return { kind: 'refused' }
    return /MCP error -?\d+/.test(message) ? { kind: 'other', detail: message } : { kind: 'unanswered', detail: message }
  }
}

async function main (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reliability-sigterm-'))
  const { child, url, exited } = await startServer(dataDir)
  try {
    const streams = Array.from({ length: STREAMS }, (_, i) => openStream(url, `sig-${i}`))
    const connected = await Promise.all(streams.map(async (s) => await s.connected))
    const refused = streams.filter((_, i) => !connected[i])
    report.check(`all ${STREAMS} event streams connected before the load`, refused.length === 0, refused.slice(0, 2).map((s) => s.text.slice(0, 160)).join(' | '))
    if (refused.length > 0) throw new Error('event streams were refused; the scenario cannot measure the shutdown')
    const clients = await Promise.all(Array.from({ length: MCP_SESSIONS }, async () => {
      const client = new Client({ name: 'reliability-sigterm', version: '1.0.0' })
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)))
      return client
    }))

    const calls: Array<{ surface: string, answer: Promise<Answer> }> = []
    const mcpStarted = new Set<number>()
    for (let i = 0; i < CALLS; i++) {
      if (i % 10 === 0) calls.push({ surface: 'MCP Streamable HTTP', answer: mcpCall(clients[(i / 10) % clients.length], i, () => { mcpStarted.add(i) }) })
      else if (i % 2 === 0) calls.push({ surface: 'JSON-RPC /mcp/tools/call', answer: seedCall(url, i) })
      else calls.push({ surface: 'REST /mcp/tools/generate_chart', answer: restCall(url, i) })
    }
    // Anonymous calls broadcast their progress to every channel: wait until every call is accepted (its "started"
    // event; MCP calls: their first progress notification) and renders are running.
    const httpCalls = CALLS - calls.filter((c) => c.surface.startsWith('MCP')).length
    const mcpCalls = CALLS - httpCalls
    const startedCount = (): number => streams[0].text.split('"status":"started"').length - 1
    const deadline = Date.now() + 180_000
    while ((startedCount() < httpCalls || mcpStarted.size < mcpCalls || !streams[0].text.includes('"status":"rendering"')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    report.check(`all ${CALLS} calls in flight and renders running when SIGTERM came`, startedCount() >= httpCalls && mcpStarted.size === mcpCalls && streams[0].text.includes('"status":"rendering"'),
      `${startedCount()} HTTP, ${mcpStarted.size} MCP`)

    const signalled = performance.now()
    child.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const late = await fetch(`${url}/mcp/health`).then(async (r) => ({ status: r.status, body: await r.text() }), (error: unknown) => ({ status: 0, body: String((error as Error).cause ?? error) }))
    report.check('a request 50 ms after SIGTERM gets 503 (not a reset)', late.status === 503, `${late.status} ${late.body.slice(0, 120)}`)

    const answers = await Promise.all(calls.map(async (c) => ({ surface: c.surface, answer: await c.answer })))
    const code = await exited
    const exitMs = performance.now() - signalled
    await Promise.all(streams.map(async (s) => await s.ended))
    for (const client of clients) await client.close().catch(() => {})

    const count = (kind: Answer['kind']): number => answers.filter((a) => a.answer.kind === kind).length
    for (const surface of new Set(answers.map((a) => a.surface))) {
      const mine = answers.filter((a) => a.surface === surface)
      const answered = mine.filter((a) => a.answer.kind !== 'unanswered').length
      report.check(`${surface}: ${answered} of ${mine.length} calls answered`, answered === mine.length,
        mine.filter((a) => a.answer.kind === 'unanswered').slice(0, 2).map((a) => (a.answer as { detail: string }).detail).join(' | '))
    }
    const others = answers.filter((a) => a.answer.kind === 'other')
    report.check('every answer is a chart or a clear shutting-down message', others.length === 0, others.slice(0, 3).map((a) => `${a.surface}: ${(a.answer as { detail: string }).detail}`).join(' | '))
    report.figure('answers: charts, refused (queued), aborted at the deadline, other, unanswered', `${count('chart')}, ${count('refused')}, ${count('aborted')}, ${count('other')}, ${count('unanswered')}`)
    const closed = streams.filter((s) => /event: close\ndata: \{"type":"close","reason":"server_shutdown"/.test(s.text.replace(/retry: \d+\n/g, ''))).length
    const withRetry = streams.filter((s) => /retry: \d+\nevent: close/.test(s.text)).length
    report.check(`${closed} of ${STREAMS} streams got the close event`, closed === STREAMS)
    report.check(`${withRetry} of ${STREAMS} close events carry retry:`, withRetry === STREAMS)
    report.check('exit code 0', code === 0, String(code))
    report.check(`exited within the hard limit (${SHUTDOWN_HARD_LIMIT_MS} ms)`, exitMs < SHUTDOWN_HARD_LIMIT_MS + 2000, `${Math.round(exitMs)} ms`)
    report.figure('SIGTERM → exit (ms)', Math.round(exitMs))

    const inspect = (): { integrity: string, rows: number, unfinished: number } => {
      const db = openSqlite(join(dataDir, 'history.sqlite'), { readonly: true })
      try {
        const integrity = (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check
        const rows = (db.prepare('SELECT count(*) AS n FROM chart_requests').get() as { n: number }).n
        const unfinished = (db.prepare("SELECT count(*) AS n FROM chart_requests WHERE status IN ('pending', 'rendering')").get() as { n: number }).n
        return { integrity, rows, unfinished }
      } finally {
        db.close()
      }
    }
    const before = inspect()
    const restarted = await startServer(dataDir)
    const health = await fetch(`${restarted.url}/mcp/health`).then(async (r) => await r.json() as { status: string })
    restarted.child.kill('SIGTERM')
    const restartCode = await restarted.exited
    const after = inspect()
    report.check('history integrity_check ok after the shutdown and after a restart', before.integrity === 'ok' && after.integrity === 'ok', `${before.integrity} / ${after.integrity}`)
    report.check(`no chart left pending or rendering (${before.unfinished})`, before.unfinished === 0)
    report.check(`row count unchanged by the restart (${before.rows} → ${after.rows})`, before.rows === after.rows)
    report.check('the restarted server is healthy and stops with 0 again', health.status === 'ok' && restartCode === 0, `${health.status}, exit ${String(restartCode)}`)
    report.figure('history rows after shutdown (accepted calls)', before.rows)
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
  }
  report.finish()
}

await main()
