/**
 * Test helper for the MCP surfaces: the real plugins (config, event bus, SSE channels, core, security, MCP sessions)
 * and the MCP routes on 127.0.0.1:0 with a fresh DATA_DIR, closed (awaited) at teardown.
 *
 * Built from the plugins rather than buildApp() so each test can pass plugin options (JSON response mode, a custom
 * server factory) and so it stays independent of the rest of the app's surfaces.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { testConfig, type Config } from '../../src/config.js'
import configPlugin from '../../plugins/config.js'
import eventBusPlugin from '../../plugins/event-bus.js'
import securityPlugin from '../../plugins/security.js'
import mcpSessionsPlugin, { type McpSessionsOptions } from '../../plugins/mcp-sessions.js'
import mcpRoutes from '../../routes/mcp.js'
import mcpLegacyRoutes from '../../routes/mcp-legacy.js'
import type { HealthReport } from '../../src/health.js'
import type { McpDeps } from '../../src/mcp/deps.js'

type McpDepsLog = McpDeps['log']
import { createFakeCharts, type FakeCharts } from './fake-charts.js'
import { createToolRegistry } from '../../src/tools/index.js'

export interface McpApp {
  app: FastifyInstance
  /** http://127.0.0.1:PORT */
  base: string
  /** http://127.0.0.1:PORT/mcp */
  url: string
  config: Config
  /** The fake chart service (absent with `realCore`). */
  charts?: FakeCharts
}

export interface StartOptions extends McpSessionsOptions {
  /** Use the real core (engines, history store) instead of the fake chart service. */
  realCore?: boolean
  /** Fastify's forceCloseConnections; default true. The app runs with 'idle' (src/app.ts), where streams end only if the plugins end them. */
  forceCloseConnections?: boolean | 'idle'
}

export interface TestLike {
  testdir: () => string
  teardown: (fn: () => Promise<void>) => void
}

export async function startMcpApp (t: TestLike, overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<McpApp> {
  const config = testConfig({ DATA_DIR: t.testdir(), RENDER_WORKERS: 1, PORT: 0, ...overrides })
  const { realCore, forceCloseConnections = true, ...sessionOptions } = options
  const app = Fastify({ logger: false, forceCloseConnections })
  let charts: FakeCharts | undefined
  await app.register(configPlugin, { config })
  await app.register(eventBusPlugin)
  if (realCore === true) {
    await app.register((await import('../../plugins/sse-channels.js')).default)
    await app.register((await import('../../plugins/core.js')).default)
    await app.register((await import('../../plugins/tool-registry.js')).default)
  } else {
    charts = createFakeCharts(app.bus)
    const startedAt = Date.now()
    const health = async (): Promise<HealthReport> => ({
      status: 'ok',
      timestamp: new Date().toISOString(),
      clientCount: 0,
      chartServiceConfigured: true,
      engine: 'local',
      engineDetail: 'fake chart service (test)',
      uptime: Math.round((Date.now() - startedAt) / 1000),
      version: '0.0.0-test'
    })
    app.decorate('mcpDeps', { config, charts, bus: app.bus, health, log: app.log as unknown as McpDepsLog })
    app.decorate('tools', createToolRegistry({ config, charts, bus: app.bus, health }))
  }
  await app.register(securityPlugin)
  await app.register(mcpSessionsPlugin, sessionOptions)
  await app.register(mcpRoutes)
  await app.register(mcpLegacyRoutes)
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  if (address === null || typeof address !== 'object') throw new Error('no address')
  const base = `http://127.0.0.1:${address.port}`
  return { app, base, url: `${base}/mcp`, config, charts }
}

/** An SDK Client connected over Streamable HTTP; closed at teardown. */
export async function connectClient (t: TestLike, url: string, init: RequestInit = {}, capabilities: Record<string, object> = {}): Promise<{ client: Client, transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'chart-img-mcp-test', version: '1.0.0' }, { capabilities })
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: init })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  return { client, transport }
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream'
} as const

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-http-test', version: '1.0.0' } }
} as const

/** Reads an SSE or JSON response body into JSON-RPC messages (SSE `data:` lines parsed; priming events skipped). */
export async function readMessages (response: Response): Promise<unknown[]> {
  const text = await response.text()
  if ((response.headers.get('content-type') ?? '').includes('application/json')) return [JSON.parse(text)]
  return text.split('\n\n').flatMap((event) => {
    const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n')
    return data === '' ? [] : [JSON.parse(data)]
  })
}

/** Initialises a session over raw HTTP; returns its id. */
export async function rawInitialize (url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(INITIALIZE) })
  if (response.status !== 200) throw new Error(`initialize → ${response.status}: ${await response.text()}`)
  const id = response.headers.get('mcp-session-id')
  await response.body?.cancel()
  if (id === null) throw new Error('no Mcp-Session-Id')
  await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })
  return id
}
