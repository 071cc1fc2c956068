/**
 * POST /chat's answerer, chosen once from the config: the model agent when LLM_BASE_URL and LLM_MODEL are set,
 * otherwise the command syntax. Either way the tool registry is the only thing that does work.
 */
import type { Config } from '../config.js'
import type { ToolRegistry } from '../tools/registry.js'
import { createAgentChat } from './agent-chat.js'
import { createCommandChat } from './command-chat.js'
import { createModelClient } from './model-client.js'
import type { ChatResponder } from './types.js'

export type { ChatReply, ChatResponder, ChatToolCall } from './types.js'
export { COMMAND_HELP } from './commands.js'

type ChatConfig = Pick<Config, 'LLM_BASE_URL' | 'LLM_API_KEY' | 'LLM_MODEL' | 'LLM_TIMEOUT_MS' | 'LLM_STREAM'>

export function createChat (tools: ToolRegistry, config: ChatConfig): ChatResponder {
  if (config.LLM_BASE_URL === undefined || config.LLM_MODEL === undefined) return createCommandChat(tools)
  const complete = createModelClient({ baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT_MS, stream: config.LLM_STREAM })
  return createAgentChat(tools, complete)
}
