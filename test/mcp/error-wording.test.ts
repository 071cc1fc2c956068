/**
 * One error wording (issue 12): a protocol error's message says what is wrong once, without repeating its code
 * (SDK 1.x's McpError put "MCP error -32602: " in front of every message, inside an error whose code was -32602).
 * Checked on the wire, where a model reads it: the 2026-07-28 era on /mcp and the JSON-RPC route.
 */
import t, { type Test } from 'tap'
import { callTool, startApp } from '../support/app.js'
import { MCP_HEADERS, readMessages } from './helper.js'

const MODERN = '2026-07-28'
const META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} }

function expectPlainMessage (t: Test, error: { code?: number, message?: string } | undefined): void {
  t.equal(error?.code, -32602)
  t.match(error?.message, /requestId/, 'the message names the argument')
  t.notMatch(error?.message, /-32602|MCP error/, 'the message does not repeat the code')
}

t.test('invalid arguments: -32602 with a message that does not repeat its code', async (t) => {
  const { url } = await startApp(t)

  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'get_chart_status' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_chart_status', arguments: { requestId: 'nope' }, _meta: META } })
  })
  const [answer] = await readMessages(response) as Array<{ error?: { code?: number, message?: string } }>
  expectPlainMessage(t, answer.error)

  const { body } = await callTool(url, 'get_chart_status', { requestId: 'nope' })
  expectPlainMessage(t, body.error)
})
