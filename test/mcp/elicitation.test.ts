/**
 * generate_chart asks which symbol was meant when the one named is unknown and the client can answer
 * (src/tools/symbol-choice.ts): on 2026-07-28 through MRTR (an input_required result with a sealed requestState, the
 * SDK v2 client answering and retrying), on 2025-11-25 through a server→client elicitation/create request.
 */
import t from 'tap'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { Client as SessionClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as SessionTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { MCP_HEADERS, readMessages, startMcpApp } from './helper.js'

const MODERN = '2026-07-28'
const UNKNOWN = { name: 'generate_chart', arguments: { symbol: 'NYSE:A' } }

function textOf (result: unknown): string {
  const first = ((result as { content?: unknown }).content as Array<{ type: string, text?: string }> | undefined)?.[0]
  return first?.type === 'text' ? first.text ?? '' : ''
}

t.test('2026-07-28: MRTR question, answered by the SDK v2 client, then the chart of the chosen symbol', async (t) => {
  const { url } = await startMcpApp(t)
  const client = new Client({ name: 'mrtr-test', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: { pin: MODERN } } })
  const questions: Array<{ message: string, requestedSchema: { properties: { symbol: { enum: string[] } } } }> = []
  let action: 'accept' | 'decline' = 'accept'
  client.setRequestHandler('elicitation/create', async (request) => {
    questions.push(request.params as never)
    return action === 'accept' ? { action, content: { symbol: 'NASDAQ:AMZN' } } : { action }
  })
  await client.connect(new StreamableHTTPClientTransport(new URL(url)))
  t.teardown(async () => { await client.close() })

  const chart = await client.callTool(UNKNOWN)
  t.notOk(chart.isError, textOf(chart))
  t.match(textOf(chart), /Chart ready: NASDAQ:AMZN/, 'the chart is of the symbol the user chose')
  t.equal(questions.length, 1, 'one question')
  t.match(questions[0].message, /NYSE:A is not available/)
  t.ok(questions[0].requestedSchema.properties.symbol.enum.includes('NASDAQ:AMZN'))

  const known = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL' } })
  t.notOk(known.isError)
  t.equal(questions.length, 1, 'a known symbol asks nothing')

  action = 'decline'
  const declined = await client.callTool(UNKNOWN)
  t.equal(declined.isError, true)
  t.match(textOf(declined), /No chart made: NYSE:A is not available/)
})

t.test('2026-07-28 over raw HTTP: input_required with a sealed requestState; tampered or foreign state → -32602', async (t) => {
  const { url } = await startMcpApp(t)
  const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } } }
  const headers = { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'generate_chart' }
  const call = async (id: number, params: Record<string, unknown>): Promise<{ status: number, message: any }> => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'generate_chart', ...params, _meta: meta } }) })
    const [message] = await readMessages(response)
    return { status: response.status, message }
  }
  const first = await call(1, { arguments: { symbol: 'NYSE:A' } })
  t.equal(first.message.result.resultType, 'input_required')
  t.match(first.message.result.inputRequests.elicitation_0, { method: 'elicitation/create', params: { message: /NYSE:A is not available/ } })
  const state = first.message.result.requestState as string
  t.type(state, 'string')

  const answer = { elicitation_0: { action: 'accept', content: { symbol: 'NASDAQ:MSFT' } } }
  const tampered = await call(2, { arguments: { symbol: 'NYSE:A' }, inputResponses: answer, requestState: `${state.slice(0, -2)}xx` })
  t.match(tampered.message, { id: 2, error: { code: -32602 } }, 'a tampered requestState is refused')
  const foreign = await call(3, { arguments: { symbol: 'NYSE:AM' }, inputResponses: answer, requestState: state })
  t.match(foreign.message, { id: 3, error: { code: -32602, message: /different call/ } }, 'a state minted for other arguments is refused')
  const done = await call(4, { arguments: { symbol: 'NYSE:A' }, inputResponses: answer, requestState: state })
  t.equal(done.message.result.resultType, 'complete')
  t.match(done.message.result.content[0].text, /Chart ready: NASDAQ:MSFT/)
})

t.test('2025-11-25 session: the question is a server→client elicitation/create on the call\'s stream', async (t) => {
  const { url } = await startMcpApp(t)
  const client = new SessionClient({ name: 'elicit-2025', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } })
  const asked: string[] = []
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request.params.message)
    return { action: 'accept', content: { symbol: 'NASDAQ:GOOG' } }
  })
  await client.connect(new SessionTransport(new URL(url)))
  t.teardown(async () => { await client.close() })
  const chart = await client.callTool(UNKNOWN)
  t.notOk(chart.isError, textOf(chart))
  t.match(textOf(chart), /Chart ready: NASDAQ:GOOG/)
  t.same(asked.length, 1)

  const silent = new SessionClient({ name: 'no-elicitation', version: '1.0.0' })
  await silent.connect(new SessionTransport(new URL(url)))
  t.teardown(async () => { await silent.close() })
  const failed = await silent.callTool(UNKNOWN)
  t.equal(failed.isError, true, 'a client without elicitation is never asked: the unknown symbol is a tool error')
})
