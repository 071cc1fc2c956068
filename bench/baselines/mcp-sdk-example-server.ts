/**
 * Baseline (a): the official SDK v2's own serving pattern (docs/serving/http.md, examples/legacy-routing): one
 * `createMcpHandler(factory)` mounted with `toNodeHandler` on plain node:http. It serves both eras — 2026-07-28 per
 * request, and 2025 clients statelessly (the SDK's default `legacy: 'stateless'`: a fresh server per request, no
 * session). Registers the same five tool names, with a health_check that answers a report of the same shape as ours.
 *   PORT=… node --import tsx bench/baselines/mcp-sdk-example-server.ts
 */
import { createServer } from 'node:http'
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server'
import { toNodeHandler } from '@modelcontextprotocol/node'
import { z } from 'zod'

const startedAt = Date.now()

function buildServer (): McpServer {
  const server = new McpServer({ name: 'sdk-example-baseline', version: '1.0.0' }, { capabilities: { logging: {} } })
  server.registerTool('health_check', { description: 'Server health', inputSchema: z.object({}).strict() }, async () => ({
    content: [{
      type: 'text',
      text: JSON.stringify({ status: 'ok', timestamp: new Date().toISOString(), clientCount: 0, chartServiceConfigured: true, engine: 'local', engineDetail: 'baseline', uptime: Math.round((Date.now() - startedAt) / 1000), version: '1.0.0' }, null, 2)
    }]
  }))
  for (const name of ['generate_chart', 'get_chart_status', 'get_available_symbols', 'get_recent_requests']) {
    server.registerTool(name, { description: `${name} (baseline stub)`, inputSchema: z.object({ value: z.string().optional() }) }, async () => ({ content: [{ type: 'text', text: name }] }))
  }
  return server
}

const handle = toNodeHandler(createMcpHandler(() => buildServer()))
const server = createServer((request, response) => {
  handle(request, response).catch(() => {
    if (!response.headersSent) response.writeHead(500).end()
  })
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => { server.close(); process.exit(0) })
