/**
 * Resumability (spec 2025-11-25 transports §"Resumability and Redelivery") and session loss:
 * a broken POST stream is resumed with GET + Last-Event-ID and replays only that stream; an ended session gets 404
 * and the client starts a new one.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { connectClient, MCP_HEADERS, rawInitialize, startMcpApp } from './helper.js'

const V = { 'mcp-protocol-version': '2025-11-25' }

interface SseEvent { id?: string, data: string, retry?: string }

/** Reads SSE events until `stop` says so or the stream ends. */
async function readEvents (body: ReadableStream<Uint8Array>, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const events: SseEvent[] = []
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done === true) break
    buffer += decoder.decode(value, { stream: true })
    let cut: number
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut)
      buffer = buffer.slice(cut + 2)
      const event: SseEvent = { data: '' }
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = line.slice(4)
        else if (line.startsWith('retry: ')) event.retry = line.slice(7)
        else if (line.startsWith('data:')) event.data += line.slice(5).trim()
      }
      if (event.id !== undefined || event.data !== '') events.push(event)
    }
    if (stop(events)) {
      await reader.cancel()
      break
    }
  }
  return events
}

const callChart = (id: number, symbol: string): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol } } })

t.test('a dropped POST stream resumes with Last-Event-ID and replays only that stream', async (t) => {
  const { url, engine } = await startMcpApp(t)
  engine!.stageMs = 150
  const sessionId = await rawInitialize(url)
  const h = { ...MCP_HEADERS, ...V, 'mcp-session-id': sessionId }

  const abortA = new AbortController()
  const [a, b] = await Promise.all([
    fetch(url, { method: 'POST', headers: h, body: callChart(10, 'NASDAQ:AAPL'), signal: abortA.signal }),
    fetch(url, { method: 'POST', headers: h, body: callChart(11, 'NASDAQ:MSFT') })
  ])
  // Priming event first: an id, empty data, and the retry hint.
  const seenA = await readEvents(a.body!, (events) => events.length >= 1)
  t.equal(seenA[0].data, '', 'priming event has empty data')
  t.equal(seenA[0].retry, '1000', 'retry hint')
  const lastEventId = seenA[0].id!
  t.ok(lastEventId, 'priming event id')
  abortA.abort() // the client's connection drops mid-call

  const eventsB = await readEvents(b.body!, () => false)
  t.ok(eventsB.some((e) => e.data.includes('"id":11')), 'the other stream completes normally')

  await new Promise((resolve) => setTimeout(resolve, 400)) // let call 10 finish while disconnected
  const resumed = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': sessionId, 'last-event-id': lastEventId } })
  t.equal(resumed.status, 200)
  const replay = await readEvents(resumed.body!, (events) => events.some((e) => e.data.includes('"id":10')))
  const messages = replay.filter((e) => e.data !== '').map((e) => JSON.parse(e.data) as { id?: number, params?: { data?: { message?: string } } })
  t.ok(messages.some((m) => m.id === 10), 'the result of the broken call is replayed')
  t.notOk(messages.some((m) => m.id === 11 || JSON.stringify(m).includes('MSFT')), 'nothing from the other stream')
  const stream = lastEventId.slice(0, lastEventId.lastIndexOf('_'))
  t.ok(replay.length > 0 && replay.every((e) => e.id?.startsWith(`${stream}_`) === true), 'every replayed event is from the broken stream, with an id')

  const unknown = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', ...V, 'mcp-session-id': sessionId, 'last-event-id': 'nonsense' } })
  t.equal(unknown.status, 400, 'an unknown Last-Event-ID is refused')
  await unknown.body?.cancel()
})

t.test('SDK Client: server closes the stream mid-call (SEP-1699 polling), the client resumes and gets the result', async (t) => {
  const { url } = await startMcpApp(t, { MCP_CONFORMANCE_FIXTURES: true })
  const requests: Array<{ method: string, lastEventId: string | null }> = []
  const client = new Client({ name: 'resume-test', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers)
      requests.push({ method: init?.method ?? 'GET', lastEventId: headers.get('last-event-id') })
      return await fetch(input, init)
    }
  })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const result = await client.callTool({ name: 'test_reconnection', arguments: {} })
  t.same(result.content, [{ type: 'text', text: 'Reconnection test completed successfully' }])
  t.ok(requests.some((r) => r.method === 'GET' && r.lastEventId !== null), 'the client reconnected with GET + Last-Event-ID')
})

t.test('an ended session → 404; the client initialises a new one', async (t) => {
  const { url, app } = await startMcpApp(t)
  const { client, transport } = await connectClient(t, url)
  const first = transport.sessionId!
  await app.mcp.sessions.end(first)
  const error = await client.listTools().then(() => null, (e: unknown) => e)
  t.ok(error instanceof StreamableHTTPError, 'a transport error')
  t.equal((error as StreamableHTTPError).code, 404)
  await client.close()
  const again = new StreamableHTTPClientTransport(new URL(url))
  await client.connect(again)
  t.not(again.sessionId, first, 'a new session')
  const { tools } = await client.listTools()
  t.equal(tools.length, 5)
})
