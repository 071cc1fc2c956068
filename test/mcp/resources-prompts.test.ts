/**
 * Chart resources, subscriptions, prompts and argument completion through the SDK Client over Streamable HTTP.
 */
import t from 'tap'
import { McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import { connectClient, startMcpApp } from './helper.js'

t.test('chart://requests/{requestId}: list, read (image blob + JSON record), unknown id → -32002', async (t) => {
  const { url } = await startMcpApp(t)
  const { client } = await connectClient(t, url)
  const call = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL' } })
  const requestId = /Request: (req_\d+_[0-9a-f]+)/.exec(JSON.stringify(call.content))?.[1]
  t.ok(requestId, 'request id in the tool result')

  const { resources } = await client.listResources()
  const uris = resources.map((r) => r.uri)
  t.ok(uris.includes('chart://symbols'))
  t.ok(uris.includes(`chart://requests/${requestId}`), 'recent requests are listed')
  const { resourceTemplates } = await client.listResourceTemplates()
  t.ok(resourceTemplates.some((r) => r.uriTemplate === 'chart://requests/{requestId}'))

  const read = await client.readResource({ uri: `chart://requests/${requestId}` })
  const blob = read.contents.find((c) => 'blob' in c)
  t.equal(blob?.mimeType, 'image/png')
  t.equal(Buffer.from(String(blob && 'blob' in blob ? blob.blob : ''), 'base64').subarray(1, 4).toString(), 'PNG')
  const meta = read.contents.find((c) => 'text' in c)
  t.equal(meta?.mimeType, 'application/json')
  t.match(JSON.parse(String(meta && 'text' in meta ? meta.text : '{}')), { requestId, status: 'completed', request: { symbol: 'NASDAQ:AAPL' } })

  const missing = await client.readResource({ uri: 'chart://requests/req_1_deadbeef' }).then(() => null, (e: unknown) => e)
  t.ok(missing instanceof McpError)
  t.equal((missing as McpError).code, -32602, 'resource not found: -32602 (SEP-2164; the SDK v2 never sends -32002)')

  const symbols = await client.readResource({ uri: 'chart://symbols' })
  const listing = JSON.parse(String('text' in symbols.contents[0] ? symbols.contents[0].text : '{}'))
  t.ok(listing.symbols.some((s: { symbol: string }) => s.symbol === 'SP:SPX'))
})

t.test('resources/subscribe on a chart request → notifications/resources/updated when it completes', async (t) => {
  const { app, url, engine } = await startMcpApp(t)
  engine!.stageMs = 200
  const { client } = await connectClient(t, url)
  const updated: string[] = []
  const notified = new Promise<void>((resolve) => {
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri); resolve() })
  })
  const call = client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:MSFT' } })
  while ((await app.core.charts.recent(1, null)).length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  const uri = `chart://requests/${(await app.core.charts.recent(1, null))[0].requestId}`
  await client.subscribeResource({ uri })
  await call
  await notified
  t.same(updated, [uri])

  const refused = await client.subscribeResource({ uri: 'file:///etc/passwd' }).then(() => null, (e: unknown) => e)
  t.equal((refused as McpError).code, -32602, 'only chart requests can be watched')
  await client.unsubscribeResource({ uri })
})

t.test('prompts and completion/complete for symbols and intervals', async (t) => {
  const { url } = await startMcpApp(t)
  const { client } = await connectClient(t, url)
  const { prompts } = await client.listPrompts()
  t.same(prompts.map((p) => p.name).sort(), ['chart_symbol_with_indicators', 'compare_symbols'])
  t.ok(prompts.every((p) => typeof p.description === 'string' && p.description !== ''))

  const one = await client.getPrompt({ name: 'chart_symbol_with_indicators', arguments: { symbol: 'NASDAQ:AAPL', interval: '1W', indicators: 'RSI 14, MACD' } })
  const text = JSON.stringify(one.messages)
  t.match(text, /NASDAQ:AAPL/)
  t.match(text, /1W/)
  t.match(text, /RSI 14; MACD/)
  t.match(text, /generate_chart/)
  const two = await client.getPrompt({ name: 'compare_symbols', arguments: { first: 'NASDAQ:AAPL', second: 'NASDAQ:MSFT' } })
  t.match(JSON.stringify(two.messages), /NASDAQ:AAPL.*NASDAQ:MSFT/)

  const symbols = await client.complete({ ref: { type: 'ref/prompt', name: 'chart_symbol_with_indicators' }, argument: { name: 'symbol', value: 'AM' } })
  t.same(symbols.completion.values, ['NASDAQ:AMZN'], 'ticker prefix matches')
  const all = await client.complete({ ref: { type: 'ref/prompt', name: 'compare_symbols' }, argument: { name: 'second', value: '' } })
  t.ok(all.completion.values.length >= 5)
  const intervals = await client.complete({ ref: { type: 'ref/prompt', name: 'chart_symbol_with_indicators' }, argument: { name: 'interval', value: '1' } })
  t.same(intervals.completion.values, ['1m', '15m', '1h', '12h', '1D', '1W', '1M'])
  const loose = await client.complete({ ref: { type: 'ref/prompt', name: 'compare_symbols' }, argument: { name: 'interval', value: '1d' } })
  t.same(loose.completion.values, ['1D'])

  await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX' } })
  const ids = await client.complete({ ref: { type: 'ref/resource', uri: 'chart://requests/{requestId}' }, argument: { name: 'requestId', value: 'req_' } })
  t.equal(ids.completion.values.length, 1, 'request ids complete from history')
})
