/**
 * The process: build the app, listen, and close gracefully on SIGINT/SIGTERM (in-flight requests finish, SSE
 * streams end, workers stop) with a hard deadline so a stuck stream cannot keep the process alive.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'

/** How long a graceful close may take before the process exits anyway (PM2 and systemd stop timeouts must exceed it). */
export const SHUTDOWN_DEADLINE_MS = 10_000

export async function startServer (config: Config): Promise<FastifyInstance> {
  const app = await buildApp(config)
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down')
    const deadline = setTimeout(() => {
      app.log.error('shutdown took too long; exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS)
    deadline.unref()
    app.close().then(() => process.exit(0), (error: unknown) => {
      app.log.error({ err: error }, 'error while shutting down')
      process.exit(1)
    })
  }
  process.once('SIGINT', () => { shutdown('SIGINT') })
  process.once('SIGTERM', () => { shutdown('SIGTERM') })

  await app.listen({ host: config.HOST, port: config.PORT })
  app.log.info({ engine: app.core.engine.name, dataDir: config.DATA_DIR }, 'chart-img-mcp ready: MCP at /mcp, seed routes at /mcp/initialize|tools/list|tools/call, events at /mcp/events/:clientId')
  return app
}
