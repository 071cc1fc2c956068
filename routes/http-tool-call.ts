/**
 * What the HTTP routes that call tools for a request share (routes/rest.ts, routes/chat.ts, routes/chart-render.ts):
 * the `{ error, statusCode }` body schema of the app's error handler (src/app.ts), the X-Client-Id check, and the
 * ToolContext of a call made for a request. Not a route plugin itself.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { abortOnDisconnect } from '../src/http/abort-on-disconnect.js'
import { CLIENT_ID_RULE, isValidClientId } from '../src/mcp/client-id.js'
import type { ToolContext } from '../src/tools/types.js'

/** Response schema of every `{ error, statusCode }` answer (src/app.ts's error handler and the routes' own 4xx). */
export const errorBody = {
  type: 'object',
  required: ['error', 'statusCode'],
  properties: { error: { type: 'string' }, statusCode: { type: 'integer' } }
} as const

/**
 * The request's X-Client-Id (null when absent), or the 400 message for one that breaks the rule. Checked here rather
 * than by a header schema, so the message says what the header must look like.
 */
export function readClientId (request: FastifyRequest): { clientId: string | null } | { error: string } {
  const header = request.headers['x-client-id']
  if (header === undefined) return { clientId: null }
  return isValidClientId(header) ? { clientId: header } : { error: `Invalid X-Client-Id: ${CLIENT_ID_RULE}` }
}

/**
 * A tool call made for an HTTP request: cancelled when the client goes away; its progress travels on the X-Client-Id
 * event channel (the chart service publishes it), since the response itself carries none.
 */
export function requestToolContext (request: FastifyRequest, reply: FastifyReply, clientId: string | null): ToolContext {
  return {
    signal: abortOnDisconnect(reply.raw),
    caller: { principal: request.principal?.id ?? null, clientId },
    progress: () => {},
    // Fastify's logger is pino; its type only names the methods Fastify itself uses (as in plugins/config.ts).
    log: request.log as unknown as Logger
  }
}
