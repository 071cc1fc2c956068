/**
 * 2026-07-28 `subscriptions/listen` on /mcp: the server publishes what it really changes — a new chart request
 * changes the resource list, a finished one updates its `chart://requests/…` resource — and a listen stream is cut
 * after its maximum life (plugins/mcp-sessions.ts LISTEN_MAX_MS), so none is held open forever.
 */
import t from 'tap'
import { MCP_HEADERS, readMessages, startMcpApp } from './helper.js'

const MODERN = '2026-07-28'
const META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} }

/** Reads SSE messages from a stream as they arrive. */
function messages (body: ReadableStream<Uint8Array>): { next: (match: (m: any) => boolean) => Promise<any>, ended: Promise<void> } {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  const seen: any[] = []
  const waiters: Array<{ match: (m: any) => boolean, resolve: (m: any) => void }> = []
  let buffer = ''
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let cut: number
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut)
          buffer = buffer.slice(cut + 2)
          const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')
          if (data === '') continue
          const message = JSON.parse(data)
          seen.push(message)
          for (const waiter of [...waiters]) {
            if (waiter.match(message)) {
              waiters.splice(waiters.indexOf(waiter), 1)
              waiter.resolve(message)
            }
          }
        }
      }
    } catch {
      // The server cut the stream.
    }
  })()
  return {
    next: async (match) => {
      const found = seen.find(match)
      if (found !== undefined) return found
      return await new Promise((resolve) => { waiters.push({ match, resolve }) })
    },
    ended
  }
}

t.test('listen: ack, resource list change and resource update from a chart, then the stream expires', async (t) => {
  const { url } = await startMcpApp(t, {}, { listenMaxMs: 3_000 })
  // Taken before the request, so the server's timer cannot have started earlier: a lower bound only (a busy machine
  // makes the cut later, never sooner).
  const opened = performance.now()
  const listen = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { resourcesListChanged: true, toolsListChanged: true }, _meta: META } })
  })
  t.equal(listen.status, 200)
  t.match(listen.headers.get('content-type'), /text\/event-stream/)
  const stream = messages(listen.body as ReadableStream<Uint8Array>)
  const ack = await stream.next((m) => m.method === 'notifications/subscriptions/acknowledged')
  t.same(ack.params.notifications, { resourcesListChanged: true }, 'only what we publish is honoured (the tool list never changes)')

  const call = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'generate_chart' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL' }, _meta: META } })
  })
  const [result] = await readMessages(call) as Array<{ result: { content: Array<{ text: string }> } }>
  t.match(result.result.content[0].text, /Chart ready/)
  const changed = await stream.next((m) => m.method === 'notifications/resources/list_changed')
  t.equal(changed.params?._meta?.['io.modelcontextprotocol/subscriptionId'], 'listen-1', 'tagged with the subscription id')

  await stream.ended
  const lived = performance.now() - opened
  t.ok(lived >= 3_000, `the listen stream was cut at its maximum life, not before (${Math.round(lived)} ms)`)
})
