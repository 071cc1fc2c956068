import t from 'tap'
import { serializeResponse } from '../../src/jsonrpc-serialize.js'

t.test('serialises like JSON.stringify, reusing a result object\'s text', async (t) => {
  const shared = { tools: [{ name: 'x', description: 'quote " and \u2028' }] }
  for (const id of [1, 'a"b', null]) {
    const response = { jsonrpc: '2.0' as const, id, result: shared }
    t.same(JSON.parse(serializeResponse(response)), response)
  }
  const error = { jsonrpc: '2.0' as const, id: 3, error: { code: -32602, message: 'bad' } }
  t.equal(serializeResponse(error), JSON.stringify(error))
  const fresh = { jsonrpc: '2.0' as const, id: 4, result: { n: 1 } }
  t.equal(serializeResponse(fresh), JSON.stringify(fresh))
})
