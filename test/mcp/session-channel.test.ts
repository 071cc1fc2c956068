/**
 * The whole app (buildApp): a Streamable HTTP session's id is its client id, so GET /mcp/events/<sessionId> (the
 * per-client SSE channel) receives the chart_progress events of that session's generate_chart calls.
 */
import t from 'tap'
import { EventSource } from 'eventsource'
import { startApp } from '../support/app.js'
import { connectClient } from './helper.js'

t.test('chart_progress of a session reaches /mcp/events/<sessionId>', async (t) => {
  const { url } = await startApp(t)
  const { client, transport } = await connectClient(t, `${url}/mcp`)
  const sessionId = transport.sessionId as string
  const source = new EventSource(`${url}/mcp/events/${sessionId}`)
  t.teardown(() => { source.close() })
  const events: Array<{ type: string, requestId: string, data: { status: string } }> = []
  const completed = new Promise<void>((resolve) => {
    source.addEventListener('chart_progress', (event) => {
      const parsed = JSON.parse(event.data) as { type: string, requestId: string, data: { status: string } }
      if (parsed.type !== 'chart_progress') return
      events.push(parsed)
      if (parsed.data.status === 'completed') resolve()
    })
  })
  await new Promise<void>((resolve, reject) => { source.onopen = () => { resolve() }; source.onerror = () => { reject(new Error('channel failed')) } })
  const result = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', range: '1M' } })
  t.notOk(result.isError)
  await Promise.race([completed, new Promise((_resolve, reject) => setTimeout(() => { reject(new Error('no completed chart_progress within 20 s')) }, 20_000).unref())])
  const requestId = /Request: (req_\d+_[0-9a-f]+)/.exec(JSON.stringify(result.content))?.[1]
  t.ok(events.length >= 2, `events: ${events.map((e) => e.data.status).join(',')}`)
  t.ok(events.every((e) => e.requestId === requestId), 'only this call’s events')
})

t.test('a 2026-07-28 call with X-Client-Id: its chart_progress reaches /mcp/events/<X-Client-Id>', async (t) => {
  const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client')
  const { url } = await startApp(t)
  const clientId = 'desk_2026'
  const client = new Client({ name: 'channel-2026', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers: { 'x-client-id': clientId } } }))
  t.teardown(async () => { await client.close() })
  const source = new EventSource(`${url}/mcp/events/${clientId}`)
  t.teardown(() => { source.close() })
  const completed = new Promise<string>((resolve) => {
    source.addEventListener('chart_progress', (event) => {
      const parsed = JSON.parse(event.data) as { requestId: string, data: { status: string } }
      if (parsed.data.status === 'completed') resolve(parsed.requestId)
    })
  })
  await new Promise<void>((resolve, reject) => { source.onopen = () => { resolve() }; source.onerror = () => { reject(new Error('channel failed')) } })
  const result = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', range: '1M' } })
  t.notOk(result.isError)
  const requestId = /Request: (req_\d+_[0-9a-f]+)/.exec(JSON.stringify(result.content))?.[1]
  t.equal(await completed, requestId, 'the completed event of this call arrived on the X-Client-Id channel')
})
