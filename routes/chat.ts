/**
 * POST /chat (seed 000: `{message}` → `{response, toolCalls}`): one chat message answered by src/chat — a model agent
 * over the tool registry when LLM_BASE_URL/LLM_MODEL are set, the command syntax otherwise. Send `X-Client-Id` (from
 * POST /mcp/initialize) to receive the chat's chart_progress events on /mcp/events/<clientId>, as the chat page does.
 * Encapsulated: JSON bodies only; errors outside the handler (bad JSON, schema) get the app's `{ error, statusCode }`.
 */
import type { FastifyInstance } from 'fastify'
import { createChat } from '../src/chat/index.js'
import { errorBody, readClientId, requestToolContext } from './http-tool-call.js'
import { acceptJsonBodiesOnly } from './json-bodies.js'

/** Long enough for any question, short enough that one request cannot fill a model's context with junk. */
export const MAX_CHAT_MESSAGE_LENGTH = 4000

const chatReply = {
  type: 'object',
  required: ['response', 'toolCalls', 'mode'],
  properties: {
    response: { type: 'string' },
    mode: { type: 'string', enum: ['agent', 'commands'] },
    toolCalls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'arguments', 'isError'],
        properties: {
          name: { type: 'string' },
          arguments: { type: 'object', additionalProperties: true },
          isError: { type: 'boolean' },
          requestId: { type: 'string' },
          imageUrl: { type: 'string' }
        }
      }
    }
  }
} as const

export default async function chatRoutes (fastify: FastifyInstance): Promise<void> {
  const answer = createChat(fastify.tools, fastify.config)
  acceptJsonBodiesOnly(fastify)

  fastify.post<{ Body: { message: string } }>('/chat', {
    // It may make charts (generate_chart): the scope of a tool call.
    config: { access: 'rest-call' },
    schema: {
      body: {
        type: 'object',
        required: ['message'],
        additionalProperties: false,
        properties: { message: { type: 'string', minLength: 1, maxLength: MAX_CHAT_MESSAGE_LENGTH } }
      },
      response: { 200: chatReply, 400: errorBody, 401: errorBody, 403: errorBody, 413: errorBody, 415: errorBody, 500: errorBody }
    }
  }, async (request, reply) => {
    const client = readClientId(request)
    if ('error' in client) return await reply.code(400).send({ error: client.error, statusCode: 400 })
    return await answer(request.body.message, requestToolContext(request, reply, client.clientId))
  })
}
