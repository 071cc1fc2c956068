/**
 * `chart-img-mcp stdio`: the same McpServer (tools, resources, prompts) over stdin/stdout, for clients that spawn
 * the server (Claude Desktop, Inspector, IDEs). Both eras: the SDK's `serveStdio` decides from the opening message
 * (a 2025 `initialize` pins a 2025 server, a 2026-07-28 enveloped request a modern one) and builds it from our
 * factory. stdout carries nothing but JSON-RPC; every log line goes to stderr (pino destination 2). Ends cleanly —
 * server, chart engine, history store, bus — when stdin closes or on SIGINT/SIGTERM; calls still running then are
 * answered first (their result within DRAIN_GRACE_MS, else -32001; src/mcp/in-flight.ts).
 */
import type { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import type { McpServer } from '@modelcontextprotocol/server'
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio'
import type { Config } from './config.js'
import { createCore } from './core.js'
import { createEventBus } from './events/create-bus.js'
import { DRAIN_GRACE_MS, InFlightCalls } from './mcp/in-flight.js'
import { createMcpServer } from './mcp/server.js'
import { createToolRegistry } from './tools/index.js'

export interface StdioStreams {
  stdin: Readable
  stdout: Writable
}

/** Serves MCP on stdio until stdin ends or the process is asked to stop. Resolves once everything is closed. */
export async function runStdio (config: Config, streams: StdioStreams = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  const log = pino({ name: 'chart-img-mcp', level: config.LOG_LEVEL }, pino.destination(2))
  // With Redis, charts made over stdio also show up on an HTTP instance's /mcp/events channels.
  const bus = await createEventBus(config, log)
  const core = createCore({ config, bus, log })
  if (core.shared !== null && !await core.shared.connected()) log.warn('Redis is not reachable yet; starting degraded')
  const tools = createToolRegistry({ config, charts: core.charts, bus, health: core.health })
  const deps = { config, charts: core.charts, bus, health: core.health, log, tools }
  const transport = new StdioServerTransport(streams.stdin, streams.stdout)
  let server: McpServer | undefined
  const inFlight = new InFlightCalls()
  transport.onerror = (error) => { log.warn({ err: error }, 'stdio transport error') }
  const handle = serveStdio(({ era }) => {
    server = createMcpServer(deps, { era, fixtures: config.MCP_CONFORMANCE_FIXTURES, inFlight })
    return server
  }, { transport, onerror: (error) => { log.warn({ err: error }, 'stdio MCP error') } })

  let closing: Promise<void> | undefined
  let markStopped: () => void = () => {}
  const stopped = new Promise<void>((resolve) => { markStopped = resolve })
  const shutdown = async (reason: string): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason }, 'stdio session ending')
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      streams.stdin.off('end', onEnd)
      // Every call still running gets its answer (or -32001) on stdout before the connection closes.
      await inFlight.drain(DRAIN_GRACE_MS)
      await handle.close().catch(() => {})
      await server?.close().catch(() => {})
      await core.close()
      await bus.close()
      log.flush()
      markStopped()
    })()
    await closing
  }
  const onSignal = (signal: NodeJS.Signals): void => { shutdown(signal).catch(() => {}) }
  const onEnd = (): void => { shutdown('stdin ended').catch(() => {}) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  streams.stdin.once('end', onEnd)
  log.info({ engine: core.charts.engineName, fixtures: config.MCP_CONFORMANCE_FIXTURES }, 'MCP server ready on stdio')
  await stopped
}
