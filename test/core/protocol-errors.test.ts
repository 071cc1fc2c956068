import t from 'tap'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { enforceToolProtocolErrors } from '../../src/mcp/protocol-errors.js'
import { connectInMemory } from '../support/in-memory-mcp.js'

// A real SDK server and client; the tool is a fixture of this test, the wrapper is the code under test.
async function connect (t: { teardown: (fn: () => Promise<void>) => void }): Promise<Client> {
  const server = new McpServer({ name: 'test', version: '1.0.0' })
  server.registerTool('echo', { inputSchema: z.object({ n: z.number().int().min(1).max(5) }).strict() }, async ({ n }) => {
    if (n === 5) throw new Error('five is a failure')
    return { content: [{ type: 'text', text: String(n) }] }
  })
  enforceToolProtocolErrors(server)
  enforceToolProtocolErrors(server) // idempotent
  return await connectInMemory(t, server)
}

t.test('unknown tool is a -32602 protocol error naming the tools there are', async (t) => {
  const client = await connect(t)
  const error = await client.callTool({ name: 'nope', arguments: {} }).catch((e: unknown) => e)
  t.ok(error instanceof McpError)
  t.equal((error as McpError).code, ErrorCode.InvalidParams)
  t.match((error as McpError).message, /Unknown tool: nope\. Available tools: echo/)
})

t.test('invalid arguments are a -32602 protocol error naming the field', async (t) => {
  const client = await connect(t)
  for (const args of [{ n: 9 }, { n: 'x' }, {}, { n: 2, extra: true }]) {
    const error = await client.callTool({ name: 'echo', arguments: args }).catch((e: unknown) => e)
    t.ok(error instanceof McpError, JSON.stringify(args))
    t.equal((error as McpError).code, ErrorCode.InvalidParams)
    t.match((error as McpError).message, /Invalid arguments for tool echo: /)
  }
})

t.test('a tool that runs and fails is still an isError result; good calls work', async (t) => {
  const client = await connect(t)
  const failed = await client.callTool({ name: 'echo', arguments: { n: 5 } })
  t.equal(failed.isError, true)
  t.match(JSON.stringify(failed.content), /five is a failure/)
  const ok = await client.callTool({ name: 'echo', arguments: { n: 3 } })
  t.same(ok.content, [{ type: 'text', text: '3' }])
})
