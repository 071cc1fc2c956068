/**
 * 2026-07-28 multi-round-trip requests (MRTR) across instance processes: the `requestState` sealed by one instance is
 * verified by another, because with REDIS_URL every instance seals with one secret kept in Redis
 * (src/mcp/request-state.ts shareRequestStateKey). Two CLI instances (test/support/cluster.ts); the SDK v2 client's
 * fetch sends the first tools/call to A and its retry to B directly.
 */
import t from 'tap'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { startCluster } from '../support/cluster.js'

t.test('an MRTR question asked by A, answered in a retry that reaches B', async (t) => {
  const cluster = await startCluster(t, { instances: 2 })
  const [a, b] = cluster.instances
  const landed: string[] = []
  let calls = 0
  const routed: typeof fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : ''
    const target = body.includes('"tools/call"') ? (calls++ % 2 === 0 ? a : b) : a
    if (body.includes('"tools/call"')) landed.push(target.name)
    const url = new URL(String(input instanceof Request ? input.url : input))
    return await fetch(`${target.url}${url.pathname}${url.search}`, init)
  }
  const client = new Client({ name: 'mrtr-cluster', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: '2026-07-28' } } })
  const asked: string[] = []
  client.setRequestHandler('elicitation/create', async (request) => {
    asked.push((request.params as { message: string }).message)
    return { action: 'accept', content: { symbol: 'NASDAQ:AMZN' } }
  })
  await client.connect(new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), { fetch: routed }))
  t.teardown(async () => { await client.close() })
  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NYSE:A', interval: '1M', style: 'line', width: 400, height: 300 } })
  const text = (chart.content as Array<{ text?: string }>)[0]?.text ?? ''
  t.notOk(chart.isError, text)
  t.match(text, /Chart ready: NASDAQ:AMZN/, 'B accepted the requestState A sealed, and made the chosen chart')
  t.equal(asked.length, 1, 'one question')
  t.same(landed, ['A', 'B'], 'the question came from A, the answer went to B')
})
