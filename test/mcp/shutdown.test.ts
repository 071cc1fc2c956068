/**
 * Closing the app (what SIGTERM does, src/server.ts) while tool calls run: every in-flight MCP call — a 2025 session,
 * a 2026-07-28 request and a legacy SSE session — gets a JSON-RPC answer (-32001, the server is shutting down)
 * before its stream or session closes (issue 11: 6 of 6 in-flight Streamable HTTP calls used to get nothing).
 * A call that finishes within the grace period gets its result instead.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client'
import { startMcpApp } from './helper.js'

const CHART = { name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL' } }

/** Starts a call and resolves once its first progress notification arrived (the render is under way). */
function inFlight (call: (onprogress: () => void) => Promise<unknown>): { started: Promise<void>, outcome: Promise<unknown> } {
  let started: () => void = () => {}
  const startedPromise = new Promise<void>((resolve) => { started = resolve })
  const outcome = call(() => { started() }).then((result) => ({ result }), (error: unknown) => ({ error }))
  return { started: startedPromise, outcome }
}

t.test('every in-flight call on every era is answered with -32001 when the app closes', async (t) => {
  const { app, base, url, engine } = await startMcpApp(t, {}, { drainGraceMs: 0 })
  if (engine === undefined) throw new Error('fake engine expected')
  engine.stageMs = 60_000 // renders that would outlive the close

  const session = new Client({ name: 'shutdown-2025', version: '1.0.0' })
  await session.connect(new StreamableHTTPClientTransport(new URL(url)))
  const modern = new ModernClient({ name: 'shutdown-2026', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await modern.connect(new ModernTransport(new URL(url)))
  const legacy = new Client({ name: 'shutdown-sse', version: '1.0.0' })
  await legacy.connect(new SSEClientTransport(new URL(`${base}/mcp/legacy/sse`)))

  const calls = [
    inFlight((onprogress) => session.callTool(CHART, undefined, { onprogress, timeout: 120_000 })),
    inFlight((onprogress) => session.callTool(CHART, undefined, { onprogress, timeout: 120_000 })),
    inFlight((onprogress) => modern.callTool(CHART, { onprogress, timeout: 120_000 })),
    inFlight((onprogress) => modern.callTool(CHART, { onprogress, timeout: 120_000 })),
    inFlight((onprogress) => legacy.callTool(CHART, undefined, { onprogress, timeout: 120_000 }))
  ]
  await Promise.all(calls.map(async (call) => { await call.started }))
  await app.close()
  const outcomes = await Promise.all(calls.map(async (call) => await call.outcome))
  for (const [index, outcome] of outcomes.entries()) {
    t.match(outcome, { error: { code: -32001, message: /shutting down/ } }, `call ${index + 1} answered with -32001`)
  }
  await Promise.allSettled([session.close(), modern.close(), legacy.close()])
})

t.test('a call that ends within the grace period gets its result', async (t) => {
  const { app, url, engine } = await startMcpApp(t, {}, { drainGraceMs: 30_000 })
  if (engine === undefined) throw new Error('fake engine expected')
  engine.stageMs = 200
  const session = new Client({ name: 'shutdown-grace', version: '1.0.0' })
  await session.connect(new StreamableHTTPClientTransport(new URL(url)))
  const call = inFlight((onprogress) => session.callTool(CHART, undefined, { onprogress }))
  await call.started
  await app.close()
  t.match(await call.outcome, { result: { content: [{ type: 'text', text: /Chart ready/ }] } })
  await session.close().catch(() => {})
})
