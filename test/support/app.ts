/**
 * Test helper: the real app on 127.0.0.1:0 with a fresh DATA_DIR, closed (awaited) at teardown.
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { Agent, setGlobalDispatcher } from 'undici'
import { buildApp, type AppOptions } from '../../src/app.js'
import { testConfig, type Config } from '../../src/config.js'
import { waitFor } from '../sse/wait.js'

// The tests' HTTP clients (fetch, eventsource) keep an idle connection for 500 ms instead of undici's default 4 s.
// After a client cancels an SSE stream, undici keeps that connection for reuse while Node's server does not count it
// as idle, so `app.close()` in teardown waited for the client's keep-alive to run out: 4 s in every test that cancels
// a stream before its end. Only connection reuse changes; no request or assertion does.
setGlobalDispatcher(new Agent({ keepAliveTimeout: 500 }))

export interface RunningApp {
  app: FastifyInstance
  url: string
  config: Config
}

interface TestLike {
  testdir: () => string
  teardown: (fn: () => Promise<void>) => void
}

/** What a test may change beyond the config: Fastify's options, and the app's own (a fake engine, MCP session options). */
export interface StartAppOptions {
  server?: Partial<FastifyServerOptions>
  app?: Omit<AppOptions, 'config'>
}

export async function startApp (t: TestLike, overrides: Partial<Config> = {}, options: StartAppOptions = {}): Promise<RunningApp> {
  // t.testdir() empties its directory: call it only when the test brings no DATA_DIR of its own (restart tests do).
  const config = testConfig({ RENDER_WORKERS: 1, PORT: 0, ...overrides, DATA_DIR: overrides.DATA_DIR ?? t.testdir() })
  // TEST_LOG=debug npx tap … shows the app's log while debugging a test.
  const logger = process.env.TEST_LOG === undefined ? false : { level: process.env.TEST_LOG }
  const app = await buildApp(config, { logger, ...options.server }, options.app)
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  // Render workers warm up in the background (seconds on a busy machine); a test starts once the engine says it is
  // ready, so "health is ok" or a first render never races the warm-up. An outer bound for a pool that never starts.
  await waitFor('the chart engine to be ready', async () => {
    const status = await app.core.engine.status()
    return status.ready || /failed|closed|not set/.test(status.detail) ? true : undefined
  }, 180_000)
  const address = app.server.address()
  if (address === null || typeof address !== 'object') throw new Error('no address')
  return { app, url: `http://127.0.0.1:${address.port}`, config }
}

/** POSTs a JSON-RPC body (object or raw string) and returns status + parsed body. */
export async function rpc (url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

export function callTool (url: string, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}, id: number | string = 1): Promise<{ status: number, body: any }> {
  return rpc(`${url}/mcp/tools/call`, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, headers)
}

/** A chart that takes a render worker a while (1920×1080, three studies): to keep workers busy and queues full. */
export function heavyChartArgs (i: number): Record<string, unknown> {
  return {
    symbol: 'SP:SPX',
    width: 1920,
    height: 1080,
    range: { from: '2005-01-01', to: `2019-06-${String(1 + i).padStart(2, '0')}` },
    studies: [{ name: 'Volume' }, { name: 'MACD' }, { name: 'Relative Strength Index' }]
  }
}
