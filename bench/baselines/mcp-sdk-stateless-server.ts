/**
 * Baseline (a): the official SDK's own stateless pattern (examples/server/simpleStatelessStreamableHttp.js) on plain
 * node:http — a new McpServer and StreamableHTTPServerTransport per request, no session. Registers the same five tool
 * names, with a health_check that answers a report of the same shape as ours.
 *   PORT=… JSON=1|0 node --import tsx bench/baselines/mcp-sdk-stateless-server.ts
 */
import { createServer } from 'node:http'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { z } from 'zod'

const json = process.env.JSON === '1'
const startedAt = Date.now()

function buildServer (): McpServer {
  const server = new McpServer({ name: 'sdk-stateless-baseline', version: '1.0.0' }, { capabilities: { logging: {} } })
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

const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const mcp = buildServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json })
    response.on('close', () => {
      transport.close().catch(() => {})
      mcp.close().catch(() => {})
    })
    mcp.connect(transport)
      .then(async () => { await transport.handleRequest(request, response, JSON.parse(Buffer.concat(chunks).toString('utf8'))) })
      .catch(() => {
        if (!response.headersSent) response.writeHead(500).end()
      })
  })
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => { server.close(); process.exit(0) })
