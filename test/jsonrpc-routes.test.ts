/**
 * The JSON-RPC routes POST /mcp/initialize, /mcp/tools/list, /mcp/tools/call (routes/jsonrpc.ts; seed 004's formats)
 * over real HTTP, with real EventSource clients on the event channels.
 */
import t from 'tap'
import { EventSource } from 'eventsource'
import { callTool, rpc, startApp } from './support/app.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

function pngSize (data: Buffer): { width: number, height: number } {
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

/** Collects named events from a channel until `until` says stop (or the timeout passes). */
function collect (url: string, names: string[], until: (events: Array<{ name: string, data: any }>) => boolean, timeoutMs = 20_000): { ready: Promise<void>, done: Promise<Array<{ name: string, data: any }>>, close: () => void } {
  const source = new EventSource(url)
  const events: Array<{ name: string, data: any }> = []
  let resolveReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => { resolveReady = resolve })
  let finish: () => void = () => {}
  const done = new Promise<Array<{ name: string, data: any }>>((resolve) => {
    const timer = setTimeout(() => { source.close(); resolve(events) }, timeoutMs)
    finish = () => { clearTimeout(timer); source.close(); resolve(events) }
    for (const name of names) {
      source.addEventListener(name, (event) => {
        events.push({ name, data: JSON.parse(event.data) })
        if (name === 'connected') resolveReady()
        if (until(events)) { clearTimeout(timer); source.close(); resolve(events) }
      })
    }
  })
  return { ready, done, close: () => { finish() } }
}

t.test('tools/list lists the five tools with their schemas', async (t) => {
  const { url } = await startApp(t)
  const { status, body } = await rpc(`${url}/mcp/tools/list`, { jsonrpc: '2.0', id: 'a', method: 'tools/list' })
  t.equal(status, 200)
  t.equal(body.id, 'a')
  const names = body.result.tools.map((tool: { name: string }) => tool.name).sort()
  t.same(names, ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check'])
  const generate = body.result.tools.find((tool: { name: string }) => tool.name === 'generate_chart')
  t.ok(generate.inputSchema.properties.symbol)
  t.same(generate.inputSchema.required, ['symbol'])
  t.equal(generate.inputSchema.additionalProperties, false, 'unknown arguments are refused, not silently dropped')
})

t.test('initialize negotiates the version and hands out an event channel', async (t) => {
  const { url } = await startApp(t)
  const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'curl', version: '1' } }
  const first = await rpc(`${url}/mcp/initialize`, { jsonrpc: '2.0', id: 1, method: 'initialize', params })
  t.equal(first.status, 200)
  t.equal(first.body.result.protocolVersion, '2025-06-18')
  t.equal(first.body.result.serverInfo.name, 'chart-img-mcp')
  t.match(first.body.result.clientId, /^mcp_\d+_[0-9a-f]+$/)
  t.equal(first.body.result.eventsUrl, `/mcp/events/${first.body.result.clientId as string}`)
  t.ok(first.body.result.capabilities.tools)

  const chosen = await rpc(`${url}/mcp/initialize`, { jsonrpc: '2.0', id: 2, method: 'initialize', params: { ...params, protocolVersion: '1999-01-01' } }, { 'x-client-id': 'desk-7' })
  t.equal(chosen.body.result.clientId, 'desk-7', 'a valid X-Client-Id is kept')
  t.not(chosen.body.result.protocolVersion, '1999-01-01', 'an unsupported version gets the server\'s own')

  const sparse = await rpc(`${url}/mcp/initialize`, { jsonrpc: '2.0', id: 3, method: 'initialize' })
  t.equal(sparse.status, 200, 'seed clients that send no params still initialise')
})

t.test('generate_chart returns a real PNG, stores it, and reports progress to the caller\'s channel only', async (t) => {
  const { url } = await startApp(t)
  const mine = collect(`${url}/mcp/events/owner-1`, ['connected', 'chart_progress'], (events) => events.some((e) => e.data.data?.status === 'completed' || e.data.data?.status === 'failed'))
  // Listens until the owner has seen its chart complete (plus a moment), however long the render takes.
  const other = collect(`${url}/mcp/events/bystander`, ['connected', 'chart_progress'], () => false, 60_000)
  await Promise.all([mine.ready, other.ready])

  const { status, body } = await callTool(url, 'generate_chart', {
    symbol: 'SP:SPX', interval: '1W', range: '1Y', width: 640, height: 400, studies: [{ name: 'Volume' }]
  }, { 'x-client-id': 'owner-1' })
  t.equal(status, 200)
  t.notOk(body.result.isError, JSON.stringify(body.result.content?.[0]))
  const [summary, image] = body.result.content
  t.equal(summary.type, 'text')
  t.match(summary.text, /Chart ready: SP:SPX 1W candle/)
  t.equal(image.type, 'image')
  t.equal(image.mimeType, 'image/png')
  t.notMatch(image.data, /^data:/, 'raw base64, no data: prefix')
  const png = Buffer.from(image.data, 'base64')
  t.same(png.subarray(0, 8), PNG_SIGNATURE)
  t.same(pngSize(png), { width: 640, height: 400 })

  const imageUrl = /Image URL: (\S+)/.exec(summary.text)?.[1]
  t.match(imageUrl, /\/charts\/req_\d+_[0-9a-f]+\.png$/)
  const served = await fetch(imageUrl as string)
  t.equal(served.status, 200)
  t.equal(served.headers.get('content-type'), 'image/png')
  t.same(Buffer.from(await served.arrayBuffer()), png, 'the stored image is the returned one')

  const events = await mine.done
  const statuses = events.filter((e) => e.name === 'chart_progress').map((e) => e.data.data.status)
  t.equal(statuses[0], 'started')
  t.ok(statuses.includes('rendering'))
  t.equal(statuses.at(-1), 'completed')
  const completed = events.find((e) => e.data.data?.status === 'completed')?.data
  t.equal(completed.type, 'chart_progress')
  t.match(completed.requestId, /^req_/)
  t.type(completed.processingTime, 'number')
  t.equal(completed.data.symbol, 'SP:SPX')

  await new Promise((resolve) => setTimeout(resolve, 200))
  other.close()
  const seenByOther = await other.done
  t.same(seenByOther.filter((e) => e.name === 'chart_progress'), [], 'another client sees none of it')
})

t.test('a call without a client id is broadcast to every channel', async (t) => {
  const { url } = await startApp(t)
  const untilDone = (events: Array<{ data: any }>): boolean => events.some((e) => e.data.data?.status === 'completed')
  const a = collect(`${url}/mcp/events/a`, ['connected', 'chart_progress'], untilDone)
  const b = collect(`${url}/mcp/events/b`, ['connected', 'chart_progress'], untilDone)
  await Promise.all([a.ready, b.ready])
  const { body } = await callTool(url, 'generate_chart', { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', range: 'ALL' })
  t.notOk(body.result.isError)
  for (const events of [await a.done, await b.done]) {
    t.ok(events.some((e) => e.data.data?.status === 'completed'), 'completed reached the channel')
  }
})

t.test('envelope errors: HTTP status and JSON-RPC code agree, never a stack trace', async (t) => {
  const { url } = await startApp(t)
  const cases: Array<[string, unknown, number, number]> = [
    ['/mcp/tools/list', '{"jsonrpc":"2.0", "id": 1, "method": ', 400, -32700],
    ['/mcp/tools/list', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], 400, -32600],
    ['/mcp/tools/list', { jsonrpc: '2.0', method: 'tools/list' }, 400, -32600],
    ['/mcp/tools/list', { jsonrpc: '2.0', id: 1, method: 'tools/call' }, 404, -32601],
    ['/mcp/initialize', { jsonrpc: '2.0', id: 1, method: 'ping' }, 404, -32601],
    ['/mcp/tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, 400, -32602],
    ['/mcp/tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'draw_everything' } }, 400, -32602],
    ['/mcp/tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_recent_requests', arguments: { limit: 51 } } }, 400, -32602],
    ['/mcp/tools/call', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'AAPL' } } }, 400, -32602]
  ]
  for (const [route, body, status, code] of cases) {
    const response = await rpc(`${url}${route}`, body)
    t.equal(response.status, status, `${route} ${JSON.stringify(body)} status`)
    t.equal(response.body.error.code, code, `${route} ${JSON.stringify(body)} code`)
    t.notMatch(JSON.stringify(response.body), /at .*\.(ts|js):\d+/, 'no stack trace')
  }
  const tooMany = await callTool(url, 'get_recent_requests', { limit: 51 })
  t.match(tooMany.body.error.message, /limit/)
  const wrongType = await fetch(`${url}/mcp/tools/list`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' })
  t.equal(wrongType.status, 415)
  t.equal(((await wrongType.json()) as { error: { code: number } }).error.code, -32600)
})

t.test('tool failures are results a model can act on', async (t) => {
  const { url } = await startApp(t)
  const unknown = await callTool(url, 'generate_chart', { symbol: 'NASDAQ:TSLA' })
  t.equal(unknown.status, 200)
  t.equal(unknown.body.result.isError, true)
  t.match(unknown.body.result.content[0].text, /SP:SPX/, 'names symbols that exist')
  const tooFine = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', interval: '1h' })
  t.equal(tooFine.body.result.isError, true)
  t.match(tooFine.body.result.content[0].text, /SP:SPX has daily data; use 1D, 1W or 1M/)
  const missing = await callTool(url, 'get_chart_status', { requestId: 'req_1_abcdef' })
  t.equal(missing.body.result.isError, true)
  t.match(missing.body.result.content[0].text, /No chart request req_1_abcdef/)
  const failed = JSON.parse((await callTool(url, 'get_recent_requests', {})).body.result.content[0].text)
  t.equal(failed.requests[0].status, 'failed', 'failures are recorded too')
})

t.test('history survives a restart', async (t) => {
  const dataDir = t.testdir()
  const first = await startApp({ testdir: () => dataDir, teardown: () => {} }, {})
  const made = await callTool(first.url, 'generate_chart', { symbol: 'CBOE:VIX', style: 'candle', theme: 'dark' })
  t.notOk(made.body.result.isError)
  const requestId = /Request: (req_\S+)/.exec(made.body.result.content[0].text)?.[1] as string
  await first.app.close()

  const second = await startApp(t, { DATA_DIR: dataDir })
  const status = await callTool(second.url, 'get_chart_status', { requestId })
  const record = JSON.parse(status.body.result.content[0].text)
  t.equal(record.status, 'completed')
  t.equal(record.symbol, 'CBOE:VIX')
  t.type(record.processingTime, 'number')
  t.match(record.imageUrl, `${second.url}/charts/${requestId}.png`)
  const served = await fetch(record.imageUrl)
  t.equal(served.status, 200, 'the image is still served after the restart')
  const recent = JSON.parse((await callTool(second.url, 'get_recent_requests', { limit: 1 })).body.result.content[0].text)
  t.equal(recent.requests[0].requestId, requestId)
})

t.test('health says which engine serves and how many clients listen', async (t) => {
  const { url } = await startApp(t)
  const channel = collect(`${url}/mcp/events/watcher`, ['connected'], () => false, 60_000)
  await channel.ready
  const response = await fetch(`${url}/mcp/health`)
  t.equal(response.status, 200)
  const health = await response.json() as Record<string, unknown>
  t.equal(health.status, 'ok')
  t.equal(health.engine, 'local')
  t.equal(health.chartServiceConfigured, true)
  t.equal(health.clientCount, 1)
  t.type(health.uptime, 'number')
  t.match(health.version, /^\d+\.\d+\.\d+/)
  channel.close()
  const tool = await callTool(url, 'health_check', {})
  t.equal(JSON.parse(tool.body.result.content[0].text).engine, 'local')
})
