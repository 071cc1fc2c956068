/**
 * `chart-img-mcp stdio`: the same McpServer (tools, resources, prompts) over stdin/stdout, for clients that spawn
 * the server (Claude Desktop, Inspector, IDEs). stdout carries nothing but JSON-RPC; every log line goes to stderr
 * (pino destination 2). Ends cleanly — server, chart engine, history store, bus — when stdin closes or on
 * SIGINT/SIGTERM.
 */
import type { Readable, Writable } from 'node:stream'
import { pino } from 'pino'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import type { Config } from './config.js'
import { createCore } from './core.js'
import { createEventBus } from './events/create-bus.js'
import { createMcpServer } from './mcp/server.js'

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
  const server = createMcpServer({ config, charts: core.charts, bus, health: core.health, log }, { fixtures: config.MCP_CONFORMANCE_FIXTURES })
  const transport = new StdioServerTransport(streams.stdin, streams.stdout)

  let closing: Promise<void> | undefined
  const shutdown = async (reason: string): Promise<void> => {
    closing ??= (async () => {
      log.info({ reason }, 'stdio session ending')
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      streams.stdin.off('end', onEnd)
      await server.close().catch(() => {})
      await core.close()
      await bus.close()
      log.flush()
    })()
    await closing
  }
  const onSignal = (signal: NodeJS.Signals): void => { shutdown(signal).catch(() => {}) }
  const onEnd = (): void => { shutdown('stdin ended').catch(() => {}) }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  streams.stdin.once('end', onEnd)
  transport.onerror = (error) => { log.warn({ err: error }, 'stdio transport error') }
  const done = new Promise<void>((resolve) => {
    const previous = server.server.onclose
    server.server.onclose = () => {
      previous?.()
      resolve()
    }
  })
  await server.connect(transport)
  log.info({ engine: core.charts.engineName, fixtures: config.MCP_CONFORMANCE_FIXTURES }, 'MCP server ready on stdio')
  await done
  await shutdown('transport closed')
}
