/**
 * Every product tool through the SDK Client over Streamable HTTP against the real app (real engine, real history),
 * with progress notifications, and log messages that follow the level chosen with logging/setLevel.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { LoggingMessageNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { startApp } from '../support/app.js'

function textOf (result: CallToolResult): string {
  const first = result.content[0]
  return first?.type === 'text' ? first.text : ''
}

t.test('list and call every tool; progress arrives; logs honour logging/setLevel', async (t) => {
  const { url } = await startApp(t)
  const client = new Client({ name: 'every-tool', version: '1.0.0' })
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`))
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const logs: Array<{ level: string, data: any }> = []
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => { logs.push(notification.params) })

  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name).sort(), ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check'])

  const symbols = JSON.parse(textOf(await client.callTool({ name: 'get_available_symbols', arguments: { exchange: 'NASDAQ' } }) as CallToolResult))
  t.same(symbols.symbols.map((s: { symbol: string }) => s.symbol).sort(), ['NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:GOOG', 'NASDAQ:MSFT'])
  t.same(symbols.symbols[0].intervals, ['1M'], 'monthly closes can only be drawn monthly')

  const progress: number[] = []
  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:MSFT', interval: '1M', style: 'area', range: '5Y' } },
    undefined, { onprogress: (p) => { progress.push(p.progress) } }) as CallToolResult
  t.notOk(chart.isError, textOf(chart))
  t.equal(chart.content[1]?.type, 'image')
  t.ok(progress.length >= 2, `progress notifications: ${progress.join(', ')}`)
  t.same(progress, [...progress].sort((a, b) => a - b), 'progress only increases')
  t.ok(logs.some((l) => l.level === 'info' && typeof l.data.message === 'string' && typeof l.data.progress === 'number'), 'progress logs arrive at info, the default level')
  const requestId = /Request: (req_\S+)/.exec(textOf(chart))?.[1] as string

  const status = JSON.parse(textOf(await client.callTool({ name: 'get_chart_status', arguments: { requestId } }) as CallToolResult))
  t.match(status, { requestId, status: 'completed', symbol: 'NASDAQ:MSFT', style: 'area' })
  const recent = JSON.parse(textOf(await client.callTool({ name: 'get_recent_requests', arguments: { limit: 5 } }) as CallToolResult))
  t.equal(recent.requests[0].requestId, requestId)
  const health = JSON.parse(textOf(await client.callTool({ name: 'health_check', arguments: {} }) as CallToolResult))
  t.match(health, { status: 'ok', engine: 'local' })

  await client.setLoggingLevel('warning')
  logs.length = 0
  const quiet = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:TSLA' } }) as CallToolResult
  t.equal(quiet.isError, true, 'an unknown symbol is a tool error')
  t.same(logs.filter((l) => l.level === 'info'), [], 'no info logs after setLevel warning')
  t.ok(logs.some((l) => l.level === 'error'), 'the failure is still logged at error')
})
