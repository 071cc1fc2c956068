/**
 * Test helper for the MCP surfaces: the real app (startApp, test/support/app.ts) on 127.0.0.1:0 with a fresh DATA_DIR,
 * closed (awaited) at teardown. Its chart engine is a fast fake (test/support/fake-engine.ts) unless a test asks for the
 * real core; the MCP sessions plugin takes the test's options (JSON response mode, drain grace, listen bound).
 */
import type { FastifyInstance } from 'fastify'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js'
import type { McpSessionsOptions } from '../../plugins/mcp-sessions.js'
import type { Config } from '../../src/config.js'
import { startApp } from '../support/app.js'
import { createFakeEngine, type FakeEngine } from '../support/fake-engine.js'

export interface McpApp {
  app: FastifyInstance
  /** http://127.0.0.1:PORT */
  base: string
  /** http://127.0.0.1:PORT/mcp */
  url: string
  config: Config
  /** The fake chart engine (absent with `realCore`): set its `stageMs` to make charts take longer. */
  engine?: FakeEngine
}

export interface StartOptions extends McpSessionsOptions {
  /** Use the engine the config chooses (the embedded renderer) instead of the fake one. */
  realCore?: boolean
  /**
   * Fastify's forceCloseConnections; default true (undici keeps an idle socket that would hold each teardown for
   * seconds). The app runs with 'idle' (src/app.ts), where streams end only if the plugins end them.
   */
  forceCloseConnections?: boolean | 'idle'
}

export interface TestLike {
  testdir: () => string
  teardown: (fn: () => Promise<void>) => void
}

export async function startMcpApp (t: TestLike, overrides: Partial<Config> = {}, options: StartOptions = {}): Promise<McpApp> {
  const { realCore, forceCloseConnections = true, ...mcpSessions } = options
  const engine = realCore === true ? undefined : createFakeEngine()
  const { app, url, config } = await startApp(t, overrides, { server: { forceCloseConnections }, app: { engine, mcpSessions } })
  return { app, base: url, url: `${url}/mcp`, config, engine }
}

/** An SDK Client connected over Streamable HTTP; closed at teardown. */
export async function connectClient (t: TestLike, url: string, init: RequestInit = {}, capabilities: Record<string, object> = {}): Promise<{ client: Client, transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'chart-img-mcp-test', version: '1.0.0' }, { capabilities })
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: init })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  return { client, transport }
}

/**
 * An SDK Client on `transport` (a routed one, across instances) that records the URIs of the
 * `notifications/resources/updated` it gets; closed at teardown.
 */
export async function connectResourceWatcher (t: TestLike, transport: StreamableHTTPClientTransport): Promise<{ client: Client, updated: string[], sessionId: string }> {
  const client = new Client({ name: 'watcher', version: '1.0.0' })
  const updated: string[] = []
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => { updated.push(n.params.uri) })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  return { client, updated, sessionId: transport.sessionId as string }
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
