/**
 * The process: build the app, listen, and close gracefully on SIGINT/SIGTERM (in-flight requests finish, SSE
 * streams end, workers stop) with a hard deadline so a stuck stream cannot keep the process alive.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'

/** How long a graceful close may take before the process exits anyway (PM2 and systemd stop timeouts must exceed it). */
export const SHUTDOWN_DEADLINE_MS = 10_000

/** The address could not be bound; the message names the variable to change and is meant to be shown as it is. */
export class ListenError extends Error {
  constructor (message: string, readonly code: string) {
    super(message)
    this.name = 'ListenError'
  }
}

/** One line an operator can act on for the bind errors people meet; anything else is passed through unchanged. */
function listenFailure (error: unknown, config: Config): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const where = `${config.HOST}:${config.PORT}`
  if (code === 'EADDRINUSE') return new ListenError(`port ${config.PORT} is already in use on ${config.HOST} (another chart-img-mcp?); stop that process or set PORT to a free port`, code)
  if (code === 'EACCES') return new ListenError(`no permission to listen on ${where}; set PORT to 1024 or above`, code)
  if (code === 'EADDRNOTAVAIL') return new ListenError(`HOST ${config.HOST} is not an address of this machine; set HOST (e.g. 127.0.0.1 or 0.0.0.0)`, code)
  return error
}

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

  try {
    await app.listen({ host: config.HOST, port: config.PORT })
  } catch (error) {
    throw listenFailure(error, config)
  }
  app.log.info({ engine: app.core.engine.name, dataDir: config.DATA_DIR }, 'chart-img-mcp ready: MCP at /mcp, seed routes at /mcp/initialize|tools/list|tools/call, events at /mcp/events/:clientId')
  return app
}
