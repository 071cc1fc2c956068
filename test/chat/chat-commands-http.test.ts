/**
 * POST /chat without a model (the command syntax) over real HTTP against the real app: each command makes its real
 * tool call, a chart's progress reaches the X-Client-Id channel (a real EventSource client), bad input is a clear 4xx,
 * and nothing is answered that no tool returned.
 */
import t from 'tap'
import { EventSource } from 'eventsource'
import { startApp } from '../support/app.js'

interface Reply { status: number, body: any }

async function chat (url: string, message: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const response = await fetch(`${url}/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof message === 'string' ? JSON.stringify({ message }) : JSON.stringify(message)
  })
  return { status: response.status, body: await response.json() }
}

t.test('chart → a real chart, its request id and image URL listed, progress on the caller\'s channel', async (t) => {
  const { url } = await startApp(t)
  const source = new EventSource(`${url}/mcp/events/chat-client-1`)
  t.teardown(() => { source.close() })
  const statuses: Array<{ requestId: string, status: string }> = []
  await new Promise<void>((resolve) => { source.addEventListener('connected', () => { resolve() }) })
  const completed = new Promise<void>((resolve) => {
    source.addEventListener('chart_progress', (event) => {
      const data = JSON.parse(event.data) as { requestId: string, data: { status: string } }
      statuses.push({ requestId: data.requestId, status: data.data.status })
      if (data.data.status === 'completed') resolve()
    })
  })

  const { status, body } = await chat(url, 'chart SP:SPX 1W candle rsi macd', { 'x-client-id': 'chat-client-1' })
  t.equal(status, 200)
  t.equal(body.mode, 'commands')
  t.match(body.response, /^Chart ready: SP:SPX 1W candle, 800x600 PNG/)
  t.equal(body.toolCalls.length, 1)
  const [call] = body.toolCalls
  t.match(call, { name: 'generate_chart', isError: false, arguments: { symbol: 'SP:SPX', interval: '1W', style: 'candle', studies: [{ name: 'rsi' }, { name: 'macd' }] } })
  t.match(call.requestId, /^req_\d+_[0-9a-f]+$/)
  t.equal(call.imageUrl, `${url}/charts/${String(call.requestId)}.png`)
  t.notOk(JSON.stringify(body).includes('iVBOR'), 'no base64 image in the reply')

  const image = await fetch(call.imageUrl)
  t.equal(image.status, 200)
  t.equal(image.headers.get('content-type'), 'image/png')
  t.ok((await image.arrayBuffer()).byteLength > 1000, 'the image URL serves the chart')

  await completed
  t.ok(statuses.every((s) => s.requestId === call.requestId), 'the progress is this chart\'s')
  t.equal(statuses[0].status, 'started')
  t.equal(statuses.at(-1)?.status, 'completed')
})

t.test('typos get the schema\'s "did you mean"; a failed chart is isError with the tool\'s message', async (t) => {
  const { url } = await startApp(t)
  const typo = await chat(url, 'chart SP:SPX 1d candles')
  t.equal(typo.status, 200)
  t.match(typo.body.response, /"1d" is not an interval\. Did you mean "1D"\?/)
  t.match(typo.body.response, /"candles" is not a style\. Did you mean "candle"\?/)
  t.match(typo.body.toolCalls, [{ name: 'generate_chart', isError: true }])
  t.notOk('requestId' in typo.body.toolCalls[0])

  const bare = await chat(url, 'chart AAPL')
  t.match(bare.body.response, /Did you mean "NASDAQ:AAPL"\?/)

  const unknownSymbol = await chat(url, 'chart NOPE:NOPE 1D')
  t.match(unknownSymbol.body.toolCalls, [{ name: 'generate_chart', isError: true }])
  t.notMatch(unknownSymbol.body.response, /Chart ready/)
})

t.test('symbols, recent, status, help and unknown commands', async (t) => {
  const { url } = await startApp(t)
  const symbols = await chat(url, 'symbols')
  t.match(symbols.body.response, /^\d+ symbol\(s\)/)
  t.match(symbols.body.response, /SP:SPX — S&P 500/)
  t.match(symbols.body.toolCalls, [{ name: 'get_available_symbols', arguments: {}, isError: false }])
  const apple = await chat(url, 'symbols apple')
  t.match(apple.body.response, /NASDAQ:AAPL/)
  t.notMatch(apple.body.response, /SP:SPX/)
  t.match((await chat(url, 'symbols zzzzqqq')).body.response, /No symbol matches/)

  t.match((await chat(url, 'recent')).body.response, /No chart requests yet/, 'an empty history is said, not invented')
  const made = await chat(url, 'chart SP:SPX 1M line')
  const { requestId } = made.body.toolCalls[0]
  const recent = await chat(url, 'recent 5')
  t.match(recent.body.response, new RegExp(`^1 recent request\\(s\\), newest first:\\n${String(requestId)}  completed  SP:SPX 1M line`))
  t.match(recent.body.toolCalls, [{ name: 'get_recent_requests', arguments: { limit: 5 }, isError: false }])

  const status = await chat(url, `status ${String(requestId)}`)
  t.match(status.body.response, new RegExp(`requestId: ${String(requestId)}\\nstatus: completed`))
  t.match(status.body.response, /imageUrl: http:\/\/127\.0\.0\.1:\d+\/charts\//)
  t.match((await chat(url, 'status req_1_ab')).body, { response: /No chart request req_1_ab/, toolCalls: [{ isError: true }] })
  t.match((await chat(url, 'status nope')).body, { response: /requestId: must be a request id/, toolCalls: [{ isError: true }] })
  t.match((await chat(url, 'recent 99')).body, { response: /limit: /, toolCalls: [{ isError: true }] }, 'the tool\'s own bound applies')

  const help = await chat(url, 'help')
  t.match(help.body, { response: /^Commands:\nchart SYMBOL/, toolCalls: [] })
  const unknown = await chat(url, 'please draw SPX')
  t.match(unknown.body.response, /^Unknown command "please"\.\n\nCommands:/)
  t.same(unknown.body.toolCalls, [], 'nothing runs for an unknown command')
})

t.test('bad requests are clear 4xx JSON errors', async (t) => {
  const { url } = await startApp(t)
  t.match(await chat(url, {}), { status: 400, body: { statusCode: 400, error: /message/ } })
  t.match(await chat(url, ''), { status: 400, body: { statusCode: 400, error: /message/ } })
  t.match(await chat(url, { message: { text: 'help' } }), { status: 400, body: { statusCode: 400, error: /message must be string/ } })
  t.match(await chat(url, [{ message: 'help' }]), { status: 400, body: { statusCode: 400 } })
  t.match(await chat(url, 'x'.repeat(4001)), { status: 400, body: { error: /4000/ } })
  t.match(await chat(url, 'help', { 'x-client-id': 'bad id!' }), { status: 400, body: { error: /Invalid X-Client-Id/ } })
  const notJson = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":' })
  t.equal(notJson.status, 400)
  t.match(await notJson.json(), { statusCode: 400 })
  const text = await fetch(`${url}/chat`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'help' })
  t.equal(text.status, 415)
})

t.test('with AUTH_TOKEN set, /chat needs the token', async (t) => {
  const token = 'chat-test-token-0123456789'
  const { url } = await startApp(t, { AUTH_TOKEN: token })
  t.equal((await chat(url, 'help')).status, 401)
  t.equal((await chat(url, 'help', { authorization: `Bearer ${token}` })).status, 200)
})
