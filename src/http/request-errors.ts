/**
 * What went wrong with a request before (or outside) its route's own answer: a body Fastify could not read, a schema
 * refusal, or a failure of ours. One classification for every route's error handler, so each surface only chooses
 * how to word it in its body format (JSON-RPC error or `{error, statusCode}`), never which status it gets.
 * Structurally typed (Fastify's FastifyError has these fields), so this stays free of Fastify.
 */
export interface RequestErrorLike {
  message: string
  code?: string
  statusCode?: number
}

export type RequestFailure =
  | { kind: 'media-type', status: 415, message: string }
  | { kind: 'too-large', status: 413, message: string }
  | { kind: 'bad-json', status: 400, message: string }
  | { kind: 'invalid', status: number, message: string }
  | { kind: 'internal', status: number, message: string }

export function classifyRequestError (error: RequestErrorLike): RequestFailure {
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { kind: 'media-type', status: 415, message: 'Content-Type must be application/json' }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { kind: 'too-large', status: 413, message: 'Request body is too large' }
  const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500
  // Fastify's JSON parser throws a SyntaxError (bad JSON) or FST_ERR_CTP_* (empty body, __proto__ keys) with a 400.
  if (status === 400 && (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP') === true)) {
    return { kind: 'bad-json', status: 400, message: `The body is not valid JSON: ${error.message}` }
  }
  if (status >= 500) return { kind: 'internal', status, message: 'Internal Server Error' }
  return { kind: 'invalid', status, message: error.message }
}
