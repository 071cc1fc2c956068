import t from 'tap'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { cacheToolsList } from '../../src/mcp/tools-list-cache.js'
import { requestHandlers } from '../../src/mcp/sdk-internals.js'
import { connectInMemory } from '../support/in-memory-mcp.js'

t.test('tools/list is computed once, and again after the tool set changes', async (t) => {
  const server = new McpServer({ name: 'test', version: '1.0.0' })
  server.registerTool('first', { inputSchema: z.object({ a: z.string() }) }, async () => ({ content: [] }))
  cacheToolsList(server)
  const client = await connectInMemory(t, server)

  const handler = requestHandlers(server).get('tools/list')
  const one = await handler?.({ method: 'tools/list' }, {})
  const two = await handler?.({ method: 'tools/list' }, {})
  t.equal(one, two, 'the second answer is the cached object')
  t.same((await client.listTools()).tools.map((tool) => tool.name), ['first'])

  const second = server.registerTool('second', { inputSchema: z.object({}) }, async () => ({ content: [] }))
  t.same((await client.listTools()).tools.map((tool) => tool.name), ['first', 'second'], 'a new tool shows at once')
  second.disable()
  t.same((await client.listTools()).tools.map((tool) => tool.name), ['first'], 'a disabled tool goes at once')
  const schema = (await client.listTools()).tools[0].inputSchema
  t.same(schema.required, ['a'], 'the JSON Schema is the SDK\'s own conversion')
})
