import t from 'tap'
import { classifyRequestError } from '../../src/http/request-errors.js'
import { jsonRpcErrorOf, JSONRPC_ERRORS } from '../../src/jsonrpc.js'

/** Errors shaped as Fastify raises them (code, statusCode, message). */
function fastifyError (message: string, fields: { code?: string, statusCode?: number } = {}, base: Error = new Error(message)): Error & { code?: string, statusCode?: number } {
  return Object.assign(base, fields)
}

t.test('each kind of refusal gets its status, and a JSON-RPC wording with the right code', async (t) => {
  const cases = [
    [fastifyError('Unsupported Media Type: text/plain', { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }), 'media-type', 415, JSONRPC_ERRORS.INVALID_REQUEST, /Content-Type must be application\/json/],
    [fastifyError('Request body is too large', { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }), 'too-large', 413, JSONRPC_ERRORS.INVALID_REQUEST, /too large/],
    [fastifyError('Unexpected end of JSON input', { statusCode: 400 }, new SyntaxError('Unexpected end of JSON input')), 'bad-json', 400, JSONRPC_ERRORS.PARSE_ERROR, /^Parse error: The body is not valid JSON: Unexpected end/],
    [fastifyError('Object contains forbidden prototype property', { statusCode: 400 }, new SyntaxError('Object contains forbidden prototype property')), 'bad-json', 400, JSONRPC_ERRORS.PARSE_ERROR, /forbidden prototype property/],
    [fastifyError('params/toolName must NOT have more than 128 characters', { code: 'FST_ERR_VALIDATION', statusCode: 400 }), 'invalid', 400, JSONRPC_ERRORS.INVALID_REQUEST, /toolName/],
    [fastifyError('secret internal detail at /srv/x.ts:1:2'), 'internal', 500, JSONRPC_ERRORS.INTERNAL_ERROR, /^Internal error$/]
  ] as const
  for (const [error, kind, status, code, message] of cases) {
    const failure = classifyRequestError(error)
    t.equal(failure.kind, kind, error.message)
    t.equal(failure.status, status, error.message)
    const body = jsonRpcErrorOf(failure)
    t.equal(body.id, null)
    t.equal(body.error.code, code)
    t.match(body.error.message, message)
  }
  t.equal(classifyRequestError(fastifyError('boom')).message, 'Internal Server Error', 'no detail of ours reaches a client')
})
