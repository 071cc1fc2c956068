import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { createMcpServer } from '../src/mcp/server.js'
import { SessionManager } from '../src/mcp/sessions.js'

export interface McpSessionsOptions {
  /** Builds the McpServer of each new session; default createMcpServer(fastify.mcpDeps, { fixtures: MCP_CONFORMANCE_FIXTURES }). */
  createServer?: () => McpServer
  /**
   * Answer POSTed requests with one `application/json` body instead of an SSE stream. Off by default: progress, logs,
   * sampling and elicitation ride on the SSE stream and are dropped in JSON mode (SDK behaviour).
   */
  jsonResponse?: boolean
}

export interface McpSessionsDecorator {
  sessions: SessionManager
  createServer: () => McpServer
  jsonResponse: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** MCP session registry shared by Streamable HTTP (/mcp) and legacy SSE (/mcp/legacy/*): one cap, one reaper. */
    mcp: McpSessionsDecorator
  }
}

/** The session manager and the per-session McpServer factory. Sessions are ended before the server stops listening. */
export default fp(async function mcpSessionsPlugin (fastify: FastifyInstance, options: McpSessionsOptions) {
  const { config } = fastify
  const sessions = new SessionManager({
    maxSessions: config.MAX_SESSIONS,
    idleMs: config.SESSION_IDLE_MS,
    log: fastify.log.child({ component: 'mcp-sessions' })
  })
  const fixtures = config.MCP_CONFORMANCE_FIXTURES
  if (fixtures) fastify.log.warn('MCP_CONFORMANCE_FIXTURES is on: the conformance test tools, resources and prompts are exposed')
  fastify.decorate('mcp', {
    sessions,
    createServer: options.createServer ?? (() => createMcpServer(fastify.mcpDeps, { fixtures })),
    // The plugin option (tests, benchmarks) wins over MCP_JSON_RESPONSE.
    jsonResponse: options.jsonResponse ?? config.MCP_JSON_RESPONSE
  })
  fastify.addHook('onReady', async () => {
    if (options.createServer === undefined && !fastify.hasDecorator('mcpDeps')) {
      throw new Error('plugins/mcp-sessions.ts needs fastify.mcpDeps (plugins/core.ts) or a createServer option')
    }
  })
  // preClose: end every session (and its SSE streams) before the HTTP server waits for open connections.
  fastify.addHook('preClose', async () => { await sessions.closeAll() })
// mcpDeps (from plugins/core.ts) is read per session, checked at onReady: tests may decorate their own.
}, { name: 'mcp-sessions', dependencies: ['config'] })
