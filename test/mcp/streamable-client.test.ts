import t from 'tap'
import { CallToolResultSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { connectClient, startMcpApp } from './helper.js'

t.test('SDK Client over Streamable HTTP: tools, progress and logs of a chart call', async (t) => {
  const { url } = await startMcpApp(t)
  const { client, transport } = await connectClient(t, url)
  t.match(transport.sessionId, /^[0-9a-f-]{36}$/, 'crypto-random session id')
  t.equal(client.getServerVersion()?.name, 'chart-img-mcp')
  const caps = client.getServerCapabilities()
  // 2025 sessions get per-resource updates; list changes are published to 2026 subscriptions/listen streams only.
  t.same(caps?.resources, { subscribe: true, listChanged: false })
  t.ok(caps?.prompts)
  t.ok(caps?.logging)
  t.ok(caps?.completions)

  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name).sort(), ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check'])
  t.notOk(tools.some((tool) => tool.name.startsWith('test_')), 'no conformance fixtures by default')

  const health = await client.callTool({ name: 'health_check', arguments: {} })
  const report = JSON.parse((health.content as Array<{ text: string }>)[0].text)
  t.equal(report.engine, 'local')

  const logs: unknown[] = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => { logs.push(n.params) })
  const progress: Array<{ progress: number, total?: number }> = []
  const result = await client.request({
    method: 'tools/call',
    params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1D', range: '1M' }, _meta: { progressToken: 'p1' } }
  }, CallToolResultSchema, { onprogress: (p) => { progress.push(p) } })
  t.notOk(result.isError, JSON.stringify(result.content).slice(0, 300))
  t.ok(result.content.some((c) => c.type === 'image' && c.mimeType === 'image/png'), 'image content')
  t.ok(progress.length >= 2, `progress notifications received (${progress.length})`)
  // (The SDK Client may drop a last progress notification that shares a chunk with the result: see legacy-sse.test.ts.)
  for (let i = 1; i < progress.length; i++) t.ok(progress[i].progress > progress[i - 1].progress, 'progress increases')
  t.ok(logs.length >= 1, `log messages received (${logs.length})`)
})

t.test('with the real core: a real chart over /mcp, image and progress', async (t) => {
  const { url } = await startMcpApp(t, {}, { realCore: true })
  const { client } = await connectClient(t, url)
  const progress: number[] = []
  const result = await client.request({
    method: 'tools/call',
    params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1D', range: '3M' }, _meta: { progressToken: 'real' } }
  }, CallToolResultSchema, { onprogress: (p) => { progress.push(p.progress) } })
  t.notOk(result.isError, JSON.stringify(result.content).slice(0, 300))
  const image = result.content.find((c) => c.type === 'image')
  t.equal(image?.type === 'image' ? Buffer.from(image.data, 'base64').subarray(1, 4).toString() : '', 'PNG', 'a real PNG')
  t.ok(progress.length >= 1, `progress received: ${progress.join(',')}`)
  const requestId = /Request: (req_\d+_[0-9a-f]+)/.exec(JSON.stringify(result.content))?.[1]
  const resource = await client.readResource({ uri: `chart://requests/${requestId}` })
  t.ok(resource.contents.some((c) => c.mimeType === 'image/png' && 'blob' in c), 'the stored image is readable as a resource')
})
