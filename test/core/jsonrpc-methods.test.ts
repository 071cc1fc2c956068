/**
 * src/jsonrpc-methods.ts on its own (no HTTP): what each registry outcome becomes as a JSON-RPC answer, and that
 * every call is answered: a tool past its deadline, a tool that throws, a caller that goes away.
 */
import t from 'tap'
import { z } from 'zod'
import { createJsonRpcMethods, type JsonRpcCall } from '../../src/jsonrpc-methods.js'
import { JSONRPC_ERRORS } from '../../src/jsonrpc.js'
import { defineTool, ToolRegistry, type ToolContext } from '../../src/tools/index.js'
import { silentLogger } from '../support/logger.js'

let lastContext: ToolContext | undefined
const tools = new ToolRegistry([
  defineTool({ name: 'ok', title: 'Ok', description: 'Answers', inputSchema: z.object({ n: z.number().default(1) }).strict(), async run ({ n }, ctx) { lastContext = ctx; return { content: [{ type: 'text', text: `n=${n}` }] } } }),
  defineTool({ name: 'stuck', title: 'Stuck', description: 'Never answers', inputSchema: z.object({}), async run () { return await new Promise(() => {}) } }),
  defineTool({ name: 'broken', title: 'Broken', description: 'Throws', inputSchema: z.object({}), async run () { throw new Error('internal detail') } })
], { deadlineMs: 30 })
const answer = createJsonRpcMethods(tools)

function call (body: unknown, extra: Partial<JsonRpcCall> = {}): JsonRpcCall {
  return { body, principal: null, clientIdHeader: undefined, log: silentLogger, ...extra }
}
const toolCall = (name: string, args?: unknown): Record<string, unknown> => ({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args } })

t.test('tools/call: a result, with the caller\'s channel when X-Client-Id is valid', async (t) => {
  t.same(await answer('tools/call', call(toolCall('ok'), { clientIdHeader: 'desk-1' })), { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'n=1' }] } })
  t.same(lastContext?.caller, { principal: null, clientId: 'desk-1' })
  await answer('tools/call', call(toolCall('ok'), { clientIdHeader: 'not valid!' }))
  t.same(lastContext?.caller, { principal: null, clientId: null }, 'an invalid id broadcasts')
  await answer('tools/call', call(toolCall('ok'), { principal: 'alice', clientIdHeader: 'desk-1' }))
  t.same(lastContext?.caller, { principal: 'alice', clientId: 'desk-1' }, 'the route\'s principal reaches the tool')
})

t.test('tools/call: refusals are -32602 with the id kept', async (t) => {
  t.match(await answer('tools/call', call(toolCall('nope'))), { id: 7, error: { code: JSONRPC_ERRORS.INVALID_PARAMS, message: 'Unknown tool: nope. Available tools: ok, stuck, broken' } })
  t.match(await answer('tools/call', call(toolCall('ok', { n: 'x' }))), { id: 7, error: { code: JSONRPC_ERRORS.INVALID_PARAMS, message: /^Invalid arguments for tool ok: n: / } })
  t.match(await answer('tools/call', call({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { arguments: {} } })), { id: 7, error: { code: JSONRPC_ERRORS.INVALID_PARAMS, message: /^Invalid params: name: / } })
})

t.test('every call is answered: deadline, a throwing tool, a caller gone', async (t) => {
  // The deadline timer is unref'd; this test holds the loop open while it waits for the answer.
  const keepAlive = setInterval(() => {}, 1000)
  t.teardown(() => { clearInterval(keepAlive) })
  t.match(await answer('tools/call', call(toolCall('stuck'))), { id: 7, error: { code: JSONRPC_ERRORS.DEADLINE_EXCEEDED, message: /stuck did not finish/ } })
  const broken = await answer('tools/call', call(toolCall('broken')))
  t.match(broken, { id: 7, result: { isError: true } })
  t.notMatch(JSON.stringify(broken), /internal detail/)
  t.match(await answer('tools/call', call(toolCall('stuck'), { signal: AbortSignal.abort() })), { id: 7, error: { code: JSONRPC_ERRORS.REQUEST_CANCELLED } })
})

t.test('initialize and tools/list', async (t) => {
  const init = await answer('initialize', call({ jsonrpc: '2.0', id: 'i', method: 'initialize', params: { protocolVersion: '2024-11-05', extra: true }, extra: 1 }))
  t.match(init, { id: 'i', result: { protocolVersion: '2024-11-05', capabilities: { tools: {} }, serverInfo: { name: 'chart-img-mcp' }, clientId: /^mcp_\d+_[0-9a-f]{12}$/ } })
  const list = await answer('tools/list', call({ jsonrpc: '2.0', id: 1, method: 'tools/list' }))
  const again = await answer('tools/list', call({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'c' } }))
  t.ok('result' in list && 'result' in again && list.result === again.result, 'one shared result object (its JSON is cached by identity)')
  t.match(await answer('tools/list', call({ jsonrpc: '2.0', id: 3, method: 'tools/call' })), { id: 3, error: { code: JSONRPC_ERRORS.METHOD_NOT_FOUND, message: /POST tools\/call to \/mcp\/tools\/call/ } })
})
