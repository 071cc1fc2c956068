/**
 * Seed 000's GET /sse, driven as its documentation's clients do: Python requests with iter_lines() and an
 * EventSource `onmessage` handler; chart progress arrives when a tool call names the stream's clientId.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { EventSource } from 'eventsource'
import { callTool, startApp } from './support/app.js'
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
