import t from 'tap'
import { checkRequestEnvelope, createError, httpStatusOf, JSONRPC_ERRORS } from '../../src/jsonrpc.js'

t.test('envelope checks name what is wrong and keep the id when there is one', async (t) => {
  const cases: Array<[unknown, number, string | number | null]> = [
    [[{ jsonrpc: '2.0', id: 1, method: 'tools/list' }], JSONRPC_ERRORS.INVALID_REQUEST, null],
    ['text', JSONRPC_ERRORS.INVALID_REQUEST, null],
    [{ jsonrpc: '1.0', id: 7, method: 'x' }, JSONRPC_ERRORS.INVALID_REQUEST, 7],
    [{ jsonrpc: '2.0', id: 'a', method: '' }, JSONRPC_ERRORS.INVALID_REQUEST, 'a'],
    [{ jsonrpc: '2.0', method: 'tools/list' }, JSONRPC_ERRORS.INVALID_REQUEST, null],
    [{ jsonrpc: '2.0', id: { x: 1 }, method: 'tools/list' }, JSONRPC_ERRORS.INVALID_REQUEST, null],
    [{ jsonrpc: '2.0', id: 3, method: 'tools/call', params: [1] }, JSONRPC_ERRORS.INVALID_PARAMS, 3]
  ]
  for (const [body, code, id] of cases) {
    const result = checkRequestEnvelope(body)
    t.equal(result.ok, false, JSON.stringify(body))
    if (!result.ok) {
      t.equal(result.error.error.code, code, `code for ${JSON.stringify(body)}`)
      t.equal(result.error.id, id, `id for ${JSON.stringify(body)}`)
      t.ok(result.error.error.message.length > 10, 'a message a person can act on')
    }
  }
  const good = checkRequestEnvelope({ jsonrpc: '2.0', id: 0, method: 'tools/list' })
  t.equal(good.ok, true)
})

t.test('HTTP status agrees with the error class', async (t) => {
  t.equal(httpStatusOf({ jsonrpc: '2.0', id: 1, result: {} }), 200)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.PARSE_ERROR, 'x')), 400)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.INVALID_REQUEST, 'x')), 400)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.INVALID_PARAMS, 'x')), 400)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.METHOD_NOT_FOUND, 'x')), 404)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.INTERNAL_ERROR, 'x')), 500)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.SHUTTING_DOWN, 'x')), 503)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.REQUEST_CANCELLED, 'x')), 499)
  t.equal(httpStatusOf(createError(1, JSONRPC_ERRORS.DEADLINE_EXCEEDED, 'x')), 504)
})
