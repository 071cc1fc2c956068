/**
 * What a principal makes over MCP is theirs on MCP too (2025 sessions, static tokens alice and bob, the SDK v1 client
 * the helper uses): bob cannot read, list, subscribe to or ask the status of alice's chart request; each answer is
 * the one an unknown request gets (no existence oracle). Alice can do all four.
 */
import t from 'tap'
import { McpError } from '@modelcontextprotocol/sdk/types.js'
import { connectClient } from '../mcp/helper.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer, startIssuer, startSecureApp } from './support.js'

function textOf (result: Record<string, unknown>): string {
  const first = (result.content as Array<{ type: string, text?: string }> | undefined)?.[0]
  return first?.type === 'text' ? first.text ?? '' : ''
}

t.test('chart resources and history over MCP belong to the principal that made them', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer)
  const { client: alice } = await connectClient(t, `${url}/mcp`, { headers: bearer(ALICE_TOKEN) })
  const { client: bob } = await connectClient(t, `${url}/mcp`, { headers: bearer(BOB_TOKEN) })

  const chart = await alice.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 400, height: 300 } })
  t.notOk(chart.isError, textOf(chart))
  const requestId = /Request: (req_\S+)/.exec(textOf(chart))?.[1] as string
  const uri = `chart://requests/${requestId}`

  // Alice: listed, readable, watchable, and in her status and history.
  t.ok((await alice.listResources()).resources.some((r) => r.uri === uri), 'alice lists her request')
  t.ok((await alice.readResource({ uri })).contents.length > 0, 'alice reads it')
  t.same(await alice.subscribeResource({ uri }), {}, 'alice may watch it')
  t.match(JSON.parse(textOf(await alice.callTool({ name: 'get_chart_status', arguments: { requestId } }))), { requestId, status: 'completed' })

  // Bob: the same answers as for a request that does not exist.
  const unknownUri = 'chart://requests/req_1_deadbeef'
  t.notOk((await bob.listResources()).resources.some((r) => r.uri === uri), 'bob does not list it')
  const read = await bob.readResource({ uri }).then(() => null, (e: unknown) => e)
  const readUnknown = await bob.readResource({ uri: unknownUri }).then(() => null, (e: unknown) => e)
  t.equal((read as McpError).code, (readUnknown as McpError).code, 'reading it: the unknown-resource error')
  const watch = await bob.subscribeResource({ uri }).then(() => null, (e: unknown) => e)
  const watchUnknown = await bob.subscribeResource({ uri: unknownUri }).then(() => null, (e: unknown) => e)
  t.equal((watch as McpError).code, -32602, 'subscribing to it is refused')
  t.equal((watch as McpError).message.replace(requestId, 'ID'), (watchUnknown as McpError).message.replace('req_1_deadbeef', 'ID'), 'with the unknown-resource message')
  const status = await bob.callTool({ name: 'get_chart_status', arguments: { requestId } })
  t.equal(status.isError, true)
  t.match(textOf(status), /No chart request/)
  const recent = JSON.parse(textOf(await bob.callTool({ name: 'get_recent_requests', arguments: { limit: 10 } }))) as { count: number }
  t.equal(recent.count, 0, 'bob\'s history is empty')
})
