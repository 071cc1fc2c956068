/**
 * POST /chat with a model configured (LLM_BASE_URL/LLM_MODEL/LLM_API_KEY), over real HTTP against the real app and a
 * fake OpenAI-compatible Chat Completions server on 127.0.0.1 that the test starts and scripts: a tool-call round trip
 * that makes a real chart, the model's errors, a model that asks for an unknown tool, invalid arguments, and a model
 * that never stops calling tools.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import t from 'tap'
import { startApp } from '../support/app.js'

const API_KEY = 'sk-test-secret-key-0123456789'

interface SeenRequest { authorization: string | undefined, body: any }
/** `sse`: answer `text/event-stream` with these chunks as `data:` lines (strings as they are); `cut`: then drop the connection. */
type Script = (body: any, turn: number) => { status?: number, json?: unknown, text?: string, sse?: unknown[], cut?: boolean }

/** A fake /v1/chat/completions: answers each request with `script(body, n)` and records what it received. */
async function startFakeModel (t: { teardown: (fn: () => Promise<void>) => void }, script: Script): Promise<{ baseUrl: string, seen: SeenRequest[] }> {
  const seen: SeenRequest[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { raw += chunk })
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end()
        return
      }
      const body = JSON.parse(raw)
      seen.push({ authorization: req.headers.authorization, body })
      const answer = script(body, seen.length)
      if (answer.sse !== undefined) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
        for (const chunk of answer.sse) res.write(`data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`)
        if (answer.cut === true) res.socket?.destroy()
        else res.end()
        return
      }
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' })
      res.end(answer.text ?? JSON.stringify(answer.json))
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(async () => { server.closeAllConnections(); server.close(); await once(server, 'close') })
  const address = server.address()
  if (address === null || typeof address !== 'object') throw new Error('no address')
  return { baseUrl: `http://127.0.0.1:${address.port}/v1`, seen }
}

function toolCallsReply (calls: Array<{ id: string, name: string, arguments: string }>): unknown {
  return { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) } }] }
}

/** One streamed chunk, as OpenAI sends them. */
function delta (value: Record<string, unknown>): unknown {
  return { id: 'chatcmpl-s', object: 'chat.completion.chunk', choices: [{ index: 0, delta: value, finish_reason: null }] }
}

function textReply (content: string): unknown {
  return { id: 'chatcmpl-2', object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] }
}

async function chat (url: string, message: string, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ message }) })
  return { status: response.status, body: await response.json() }
}

t.test('a tool-call round trip: the model asks for a chart, the registry makes it, the model answers', async (t) => {
  const model = await startFakeModel(t, (body, turn) => {
    if (turn === 1) return { json: toolCallsReply([{ id: 'call_1', name: 'generate_chart', arguments: JSON.stringify({ symbol: 'SP:SPX', interval: '1W', studies: [{ name: 'RSI' }] }) }]) }
    const tool = body.messages.at(-1)
    return { json: textReply(`Done. The tool said: ${String(tool.content).split('\n')[0]}`) }
  })
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model', LLM_API_KEY: API_KEY })

  const { status, body } = await chat(url, 'Show me the S&P 500 weekly with RSI', { 'x-client-id': 'agent-client-1' })
  t.equal(status, 200)
  t.equal(body.mode, 'agent')
  t.match(body.response, /^Done\. The tool said: Chart ready: SP:SPX 1W candle/)
  t.match(body.toolCalls, [{ name: 'generate_chart', isError: false, arguments: { symbol: 'SP:SPX', interval: '1W' } }])
  const [call] = body.toolCalls
  t.match(call.requestId, /^req_\d+_[0-9a-f]+$/)
  const image = await fetch(call.imageUrl)
  t.equal(image.status, 200, 'the chart the model asked for really exists')
  t.equal(image.headers.get('content-type'), 'image/png')
  t.ok((await image.arrayBuffer()).byteLength > 1000)

  t.equal(model.seen.length, 2)
  const [first, second] = model.seen
  t.equal(first.authorization, `Bearer ${API_KEY}`, 'the key goes in the Authorization header')
  t.equal(first.body.model, 'fake-model')
  t.same(first.body.messages.map((m: any) => m.role), ['system', 'user'])
  t.same(first.body.tools.map((tool: any) => tool.function.name), ['generate_chart', 'get_chart_status', 'get_available_symbols', 'get_recent_requests', 'health_check'])
  const chartTool = first.body.tools[0].function
  t.equal(chartTool.parameters.type, 'object')
  t.ok(chartTool.parameters.properties.symbol, 'the registry\'s JSON Schema is the function\'s parameters')
  t.notOk('$schema' in chartTool.parameters)
  t.same(second.body.messages.map((m: any) => m.role), ['system', 'user', 'assistant', 'tool'])
  t.match(second.body.messages[2], { tool_calls: [{ id: 'call_1', function: { name: 'generate_chart' } }] })
  const toolMessage = second.body.messages[3]
  t.equal(toolMessage.tool_call_id, 'call_1')
  t.match(toolMessage.content, new RegExp(`Request: ${String(call.requestId)}`))
  t.notMatch(toolMessage.content, /iVBOR/, 'no base64 image is sent to the model')
})

t.test('the model asks for a tool that does not exist: it is told so, nothing runs', async (t) => {
  const model = await startFakeModel(t, (body, turn) => {
    if (turn === 1) return { json: toolCallsReply([{ id: 'call_x', name: 'delete_everything', arguments: '{"really":true}' }, { id: 'call_y', name: 'health_check', arguments: 'not json' }]) }
    return { json: textReply('Sorry, I cannot do that.') }
  })
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model' })
  const { status, body } = await chat(url, 'delete everything')
  t.equal(status, 200)
  t.equal(body.response, 'Sorry, I cannot do that.')
  t.same(body.toolCalls, [
    { name: 'delete_everything', arguments: { really: true }, isError: true },
    { name: 'health_check', arguments: {}, isError: true }
  ])
  const messages = model.seen[1].body.messages
  t.match(messages[3], { role: 'tool', tool_call_id: 'call_x', content: /no tool named "delete_everything"\. Available tools: generate_chart, get_chart_status/ })
  t.match(messages[4], { role: 'tool', tool_call_id: 'call_y', content: /arguments are not a JSON object/ })
  t.equal(model.seen[0].authorization, undefined, 'no key configured: no Authorization header')
})

t.test('a tool refusal goes back to the model as an error it can correct', async (t) => {
  const model = await startFakeModel(t, (body, turn) => {
    if (turn === 1) return { json: toolCallsReply([{ id: 'c1', name: 'generate_chart', arguments: '{"symbol":"AAPL","interval":"1d"}' }]) }
    if (turn === 2) return { json: toolCallsReply([{ id: 'c2', name: 'get_recent_requests', arguments: '{"limit":2}' }]) }
    return { json: textReply('ok') }
  })
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model' })
  const { body } = await chat(url, 'chart apple daily')
  t.match(body.toolCalls, [{ name: 'generate_chart', isError: true }, { name: 'get_recent_requests', isError: false }])
  t.match(model.seen[1].body.messages[3].content, /^Error: Invalid arguments for tool generate_chart: .*Did you mean "NASDAQ:AAPL"\?.*Did you mean "1D"\?/)
})

t.test('errors from the model endpoint are a clear answer, never a 500, and never show the key', async (t) => {
  const overloaded = await startFakeModel(t, () => ({ status: 503, json: { error: { message: 'The model is overloaded', type: 'server_error' } } }))
  const app = await startApp(t, { LLM_BASE_URL: overloaded.baseUrl, LLM_MODEL: 'fake-model', LLM_API_KEY: API_KEY })
  const failed = await chat(app.url, 'hello')
  t.equal(failed.status, 200)
  t.match(failed.body, { mode: 'agent', toolCalls: [], response: /answered HTTP 503: The model is overloaded/ })
  t.notMatch(JSON.stringify(failed.body), API_KEY)

  const garbage = await startFakeModel(t, () => ({ text: '<html>oops</html>' }))
  const second = await startApp(t, { LLM_BASE_URL: garbage.baseUrl, LLM_MODEL: 'fake-model' })
  t.match((await chat(second.url, 'hello')).body.response, /not JSON/)

  const empty = await startFakeModel(t, () => ({ json: { choices: [] } }))
  const third = await startApp(t, { LLM_BASE_URL: empty.baseUrl, LLM_MODEL: 'fake-model' })
  t.match((await chat(third.url, 'hello')).body.response, /without a message/)

  // A port nothing listens on (a server started and closed).
  const closed = createServer()
  closed.listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const port = (closed.address() as { port: number }).port
  closed.close()
  await once(closed, 'close')
  const fourth = await startApp(t, { LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MODEL: 'fake-model', LLM_API_KEY: API_KEY })
  const unreachable = await chat(fourth.url, 'hello')
  t.equal(unreachable.status, 200)
  t.match(unreachable.body.response, /could not be reached \(ECONNREFUSED\)/)
  t.notMatch(unreachable.body.response, API_KEY)
})

t.test('a model that does not answer in LLM_TIMEOUT_MS: the chat says so', async (t) => {
  const sockets = new Set<import('node:net').Socket>()
  const silent = createServer(() => {})
  silent.on('connection', (socket) => { sockets.add(socket) })
  silent.listen(0, '127.0.0.1')
  await once(silent, 'listening')
  t.teardown(async () => { for (const socket of sockets) socket.destroy(); silent.close(); await once(silent, 'close') })
  const port = (silent.address() as { port: number }).port
  const { url } = await startApp(t, { LLM_BASE_URL: `http://127.0.0.1:${port}/v1`, LLM_MODEL: 'fake-model', LLM_TIMEOUT_MS: 1000 })
  const { status, body } = await chat(url, 'hello')
  t.equal(status, 200)
  t.match(body.response, /did not answer within 1 s/)
})

t.test('a model that keeps calling tools is stopped after a bounded number of rounds', async (t) => {
  const model = await startFakeModel(t, (_body, turn) => ({ json: toolCallsReply([{ id: `c${turn}`, name: 'health_check', arguments: '{}' }]) }))
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model' })
  const { status, body } = await chat(url, 'loop')
  t.equal(status, 200)
  t.match(body.response, /^Stopped after 6 rounds/)
  t.equal(model.seen.length, 6)
  t.equal(body.toolCalls.length, 6)
  t.ok(body.toolCalls.every((call: any) => call.name === 'health_check' && call.isError === false))
})

t.test('streamed: a tool call whose arguments arrive in pieces makes a real chart, then a streamed answer', async (t) => {
  const args = JSON.stringify({ symbol: 'SP:SPX', interval: '1W', studies: [{ name: 'RSI' }] })
  const model = await startFakeModel(t, (body, turn) => {
    if (turn === 1) {
      return {
        sse: [
          delta({ role: 'assistant', content: null }),
          delta({ tool_calls: [{ index: 0, id: 'call_s1', type: 'function', function: { name: 'generate_chart', arguments: '' } }] }),
          delta({ tool_calls: [{ index: 1, id: 'call_s2', type: 'function', function: { name: 'health_check', arguments: '{' } }] }),
          ...[args.slice(0, 7), args.slice(7, 20), args.slice(20)].map((piece) => delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] })),
          delta({ tool_calls: [{ index: 1, function: { arguments: '}' } }] }),
          '[DONE]'
        ]
      }
    }
    const first = String(body.messages.at(-2).content).split('\n')[0]
    return { sse: [delta({ role: 'assistant', content: 'Done. ' }), delta({ content: 'The tool said: ' }), delta({ content: first }), '[DONE]'] }
  })
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model' })
  const { status, body } = await chat(url, 'Show me the S&P 500 weekly with RSI')
  t.equal(status, 200)
  t.equal(model.seen[0].body.stream, true, 'LLM_STREAM is on by default')
  t.match(body.response, /^Done\. The tool said: Chart ready: SP:SPX 1W candle/)
  t.match(body.toolCalls, [{ name: 'generate_chart', isError: false, arguments: { symbol: 'SP:SPX', interval: '1W', studies: [{ name: 'RSI' }] } }, { name: 'health_check', isError: false }])
  const image = await fetch(body.toolCalls[0].imageUrl)
  t.equal(image.status, 200, 'the chart assembled from the pieces really exists')
  t.equal(image.headers.get('content-type'), 'image/png')
  t.match(model.seen[1].body.messages[2], { tool_calls: [{ id: 'call_s1', function: { name: 'generate_chart', arguments: args } }, { id: 'call_s2', function: { name: 'health_check', arguments: '{}' } }] })
  t.same(model.seen[1].body.messages.slice(3).map((m: any) => m.tool_call_id), ['call_s1', 'call_s2'])
})

t.test('streamed: a stream cut midway, one ended without [DONE], an error chunk and an error status are clear answers', async (t) => {
  const cut = await startFakeModel(t, () => ({ sse: [delta({ content: 'Half an ans' })], cut: true }))
  const a = await startApp(t, { LLM_BASE_URL: cut.baseUrl, LLM_MODEL: 'fake-model', LLM_API_KEY: API_KEY })
  const broken = await chat(a.url, 'hello')
  t.equal(broken.status, 200)
  t.match(broken.body, { mode: 'agent', toolCalls: [], response: /broke off its answer midway \(the connection closed\)/ })
  t.notMatch(broken.body.response, /Half an ans/, 'a cut answer is not passed off as complete')
  t.notMatch(JSON.stringify(broken.body), API_KEY)

  const unfinished = await startFakeModel(t, () => ({ sse: [delta({ content: 'Half' })] }))
  const b = await startApp(t, { LLM_BASE_URL: unfinished.baseUrl, LLM_MODEL: 'fake-model' })
  t.match((await chat(b.url, 'hello')).body.response, /ended its streamed answer before \[DONE\]: the answer was cut off/)

  const failing = await startFakeModel(t, () => ({ sse: [delta({ content: 'Hel' }), { error: { message: 'Rate limit reached mid-generation' } }] }))
  const c = await startApp(t, { LLM_BASE_URL: failing.baseUrl, LLM_MODEL: 'fake-model' })
  t.match((await chat(c.url, 'hello')).body.response, /reported an error midway: Rate limit reached mid-generation/)

  const status = await startFakeModel(t, () => ({ status: 429, json: { error: { message: 'Too many requests' } } }))
  const d = await startApp(t, { LLM_BASE_URL: status.baseUrl, LLM_MODEL: 'fake-model' })
  t.match((await chat(d.url, 'hello')).body.response, /answered HTTP 429: Too many requests/)
  t.equal(status.seen[0].body.stream, true)
})

t.test('LLM_STREAM=false asks for one JSON body', async (t) => {
  const model = await startFakeModel(t, () => ({ json: textReply('plain') }))
  const { url } = await startApp(t, { LLM_BASE_URL: model.baseUrl, LLM_MODEL: 'fake-model', LLM_STREAM: false })
  t.equal((await chat(url, 'hello')).body.response, 'plain')
  t.notOk('stream' in model.seen[0].body)
})
