/**
 * The REST surface (routes/rest.ts; seed 000's formats) over real HTTP on 127.0.0.1: fetch, curl and Python requests as clients.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import t from 'tap'
import { EventSource } from 'eventsource'
import { callTool, startApp } from './support/app.js'

const run = promisify(execFile)
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
const TOOL_NAMES = ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check']
// A Node/V8 stack frame ("at fn (/path/file.ts:12:3)"): must never reach a client.
const STACK_FRAME = /\bat .+\.(ts|js|mjs|cjs):\d+/

async function request (url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number, headers: Headers, text: string, body: any }> {
  const { json, ...rest } = init
  const response = await fetch(url, json === undefined
    ? rest
    : { method: 'POST', ...rest, headers: { 'content-type': 'application/json', ...rest.headers }, body: JSON.stringify(json) })
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: response.status, headers: response.headers, text, body }
}

function pngSize (data: Buffer): { width: number, height: number } {
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

t.test('GET /mcp/tools lists the same tools, schemas included, as JSON-RPC tools/list', async (t) => {
  const { url } = await startApp(t)
  const rest = await request(`${url}/mcp/tools`)
  t.equal(rest.status, 200)
  t.match(rest.headers.get('content-type'), /application\/json/)
  t.same(rest.body.tools.map((tool: { name: string }) => tool.name).sort(), TOOL_NAMES)
  const rpc = await callTool(url, 'health_check', {})
  t.equal(rpc.status, 200)
  const listed = await request(`${url}/mcp/tools/list`, { json: { jsonrpc: '2.0', id: 1, method: 'tools/list' } })
  for (const tool of rest.body.tools) {
    const twin = listed.body.result.tools.find((other: { name: string }) => other.name === tool.name)
    t.same(tool.inputSchema, twin.inputSchema, `${tool.name}: same inputSchema on both surfaces`)
    t.equal(tool.title, twin.title)
    t.equal(tool.description, twin.description)
  }
  const generate = rest.body.tools.find((tool: { name: string }) => tool.name === 'generate_chart')
  t.same(generate.inputSchema.required, ['symbol'])
  t.ok(generate.inputSchema.properties.studies, 'nested schema kept by the response serializer')
})

t.test('POST /mcp/tools/generate_chart returns a real PNG and sends progress to the X-Client-Id channel', async (t) => {
  const { url } = await startApp(t)
  const source = new EventSource(`${url}/mcp/events/rest-client-1`)
  t.teardown(() => { source.close() })
  const statuses: string[] = []
  const connected = new Promise<void>((resolve) => { source.addEventListener('connected', () => { resolve() }) })
  const finished = new Promise<void>((resolve) => {
    source.addEventListener('chart_progress', (event) => {
      const data = JSON.parse(event.data) as { data: { status: string } }
      statuses.push(data.data.status)
      if (data.data.status === 'completed' || data.data.status === 'failed') resolve()
    })
  })
  await connected

  const { status, body } = await request(`${url}/mcp/tools/generate_chart`, {
    json: { symbol: 'SP:SPX', interval: '1W', range: '1Y', width: 640, height: 400 },
    headers: { 'x-client-id': 'rest-client-1' }
  })
  t.equal(status, 200)
  t.notOk(body.isError, JSON.stringify(body.content?.[0]))
  t.notOk('jsonrpc' in body, 'the body is the CallToolResult itself, not a JSON-RPC envelope')
  const [summary, image] = body.content
  t.equal(summary.type, 'text')
  t.match(summary.text, /Chart ready: SP:SPX 1W/)
  t.equal(image.type, 'image')
  t.equal(image.mimeType, 'image/png')
  const png = Buffer.from(image.data, 'base64')
  t.same(png.subarray(0, 8), PNG_SIGNATURE, 'base64 of a PNG')
  t.same(pngSize(png), { width: 640, height: 400 })

  await finished
  t.equal(statuses[0], 'started')
  t.equal(statuses.at(-1), 'completed')
})

t.test('tool failures are 200 results with isError; caller mistakes are 4xx with a message; never a stack trace', async (t) => {
  const { url } = await startApp(t)
  const bodies: string[] = []

  const failed = await request(`${url}/mcp/tools/get_chart_status`, { json: { requestId: 'req_1700000000000_abcdef12' } })
  bodies.push(failed.text)
  t.equal(failed.status, 200, 'a tool that ran and failed is a result')
  t.equal(failed.body.isError, true)
  t.match(failed.body.content[0].text, /No chart request req_1700000000000_abcdef12/)

  const unknown = await request(`${url}/mcp/tools/make_coffee`, { json: {} })
  bodies.push(unknown.text)
  t.equal(unknown.status, 404)
  t.match(unknown.body.error, /Unknown tool: make_coffee/)
  t.same([...unknown.body.availableTools].sort(), TOOL_NAMES)

  const badArgs = await request(`${url}/mcp/tools/generate_chart`, { json: { symbol: 'AAPL', width: 5 } })
  bodies.push(badArgs.text)
  t.equal(badArgs.status, 400)
  t.match(badArgs.body.error, /symbol: must be EXCHANGE:TICKER/)
  t.match(badArgs.body.error, /width/)

  const extra = await request(`${url}/mcp/tools/health_check`, { json: { verbose: true } })
  bodies.push(extra.text)
  t.equal(extra.status, 400, 'unknown arguments are refused, not ignored')

  const badJson = await request(`${url}/mcp/tools/health_check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"limit": ' })
  bodies.push(badJson.text)
  t.equal(badJson.status, 400)
  t.match(badJson.body.error, /not valid JSON/)

  const array = await request(`${url}/mcp/tools/get_recent_requests`, { json: [1, 2] })
  bodies.push(array.text)
  t.equal(array.status, 400)
  t.match(array.body.error, /must be a JSON object/)

  const text = await request(`${url}/mcp/tools/health_check`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' })
  bodies.push(text.text)
  t.equal(text.status, 415)
  t.match(text.body.error, /application\/json/)

  const badClient = await request(`${url}/mcp/tools/health_check`, { json: {}, headers: { 'x-client-id': 'not a valid id!' } })
  bodies.push(badClient.text)
  t.equal(badClient.status, 400)
  t.match(badClient.body.error, /X-Client-Id/)

  const huge = await request(`${url}/mcp/tools/health_check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(1_100_000)}"}` })
  t.equal(huge.status, 413)

  for (const body of bodies) t.notMatch(body, STACK_FRAME)
})

t.test('a tool without arguments takes an empty body, no body, or {}', async (t) => {
  const { url } = await startApp(t)
  const empty = await request(`${url}/mcp/tools/health_check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' })
  t.equal(empty.status, 200)
  t.match(JSON.parse(empty.body.content[0].text), { status: 'ok', engine: 'local' })
  const none = await request(`${url}/mcp/tools/get_recent_requests`, { method: 'POST' })
  t.equal(none.status, 200)
  t.same(JSON.parse(none.body.content[0].text), { count: 0, requests: [] })
})

t.test('curl: list tools, call one, and get a JSON 404 for an unknown tool', async (t) => {
  const { url } = await startApp(t)
  const list = await run('curl', ['-sS', '--max-time', '20', `${url}/mcp/tools`])
  t.same((JSON.parse(list.stdout) as { tools: Array<{ name: string }> }).tools.map((tool) => tool.name).sort(), TOOL_NAMES)

  const symbols = await run('curl', ['-sS', '--max-time', '20', '-X', 'POST', '-H', 'Content-Type: application/json',
    '-d', '{"query":"S&P","limit":5}', `${url}/mcp/tools/get_available_symbols`])
  const listing = JSON.parse((JSON.parse(symbols.stdout) as { content: Array<{ text: string }> }).content[0].text) as { symbols: Array<{ symbol: string }> }
  t.ok(listing.symbols.some((s) => s.symbol === 'SP:SPX'), 'the bundled S&P 500 is listed')

  const missing = await run('curl', ['-sS', '--max-time', '20', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${url}/mcp/tools/nope`])
  const [body, code] = missing.stdout.split('\n')
  t.equal(code, '404')
  t.match(JSON.parse(body), { statusCode: 404, availableTools: TOOL_NAMES.map(() => String) })
})

t.test('Python requests: generate_chart through REST returns an image', async (t) => {
  const { url } = await startApp(t)
  const script = `
import base64, json, sys, requests
r = requests.post(sys.argv[1] + '/mcp/tools/generate_chart', json={'symbol': 'SP:SPX', 'interval': '1M', 'width': 480, 'height': 320, 'theme': 'dark'}, headers={'X-Client-Id': 'py-1'}, timeout=60)
body = r.json()
images = [c for c in body['content'] if c['type'] == 'image']
png = base64.b64decode(images[0]['data']) if images else b''
print(json.dumps({'status': r.status_code, 'isError': body.get('isError', False), 'png': png[:8] == b'\\x89PNG\\r\\n\\x1a\\n', 'bytes': len(png)}))
`
  const { stdout } = await run('/usr/bin/python3', ['-c', script, url], { timeout: 90_000 })
  const outcome = JSON.parse(stdout) as { status: number, isError: boolean, png: boolean, bytes: number }
  t.equal(outcome.status, 200)
  t.equal(outcome.isError, false)
  t.equal(outcome.png, true, 'the image content decodes to a PNG')
  t.ok(outcome.bytes > 1000)
})

t.test('GET /api points to the OpenAPI document and its page (test/openapi.test.ts checks the document)', async (t) => {
  const { url } = await startApp(t)
  const { status, body } = await request(`${url}/api`)
  t.equal(status, 200)
  t.match(body, { name: 'chart-img-mcp', docs: '/docs', openapi: '/docs/json' })
  t.same([...body.tools].sort(), TOOL_NAMES)
})

t.test('Host/Origin checks and the bearer token apply to the REST routes', async (t) => {
  const { url } = await startApp(t, { AUTH_TOKEN: 'rest-test-token-0123456789' })
  const anonymous = await request(`${url}/mcp/tools`)
  t.equal(anonymous.status, 401)
  t.match(anonymous.body, { statusCode: 401, error: /Authorization required/ })
  const wrong = await request(`${url}/mcp/tools/health_check`, { json: {}, headers: { authorization: 'Bearer nope' } })
  t.equal(wrong.status, 401)
  const authorised = await request(`${url}/mcp/tools/health_check`, { json: {}, headers: { authorization: 'Bearer rest-test-token-0123456789' } })
  t.equal(authorised.status, 200)
  const index = await request(`${url}/api`)
  t.equal(index.status, 401, '/api is an API route too')
  const health = await request(`${url}/health`)
  t.equal(health.status, 200, 'health stays open for monitors')

  const foreign = await request(`${url}/mcp/tools`, { headers: { authorization: 'Bearer rest-test-token-0123456789', origin: 'http://evil.example.com' } })
  t.equal(foreign.status, 403)
  t.match(foreign.body, { statusCode: 403, error: /Origin/ })
  const rebinding = await run('curl', ['-sS', '--max-time', '20', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: evil.example.com',
    '-H', 'Authorization: Bearer rest-test-token-0123456789', `${url}/mcp/tools`])
  t.equal(rebinding.stdout, '403', 'a foreign Host (DNS rebinding) is refused')
})
