/**
 * The process: build the app, listen, and shut down gracefully on SIGINT/SIGTERM, in order:
 * 1. drain (plugins/drain.ts): the socket keeps listening and new requests get 503; charts waiting for a worker are
 *    refused; running charts finish until SHUTDOWN_DEADLINE_MS, then are aborted — every caller still gets an answer;
 * 2. close (`app.close()`): SSE streams get their close event (with `retry:`), MCP sessions end, workers stop, the
 *    history store is closed (SQLite checkpoints its WAL);
 * 3. exit 0. A hard limit (deadline + SHUTDOWN_CLOSE_GRACE_MS) exits 1 if closing itself hangs.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app.js'
import type { Config } from './config.js'

/** Default of SHUTDOWN_DEADLINE_MS: how long running charts may take after SIGTERM. */
export const SHUTDOWN_DEADLINE_MS = 10_000
/** Time allowed after the drain for closing streams, sessions, workers and the store. */
export const SHUTDOWN_CLOSE_GRACE_MS = 3_000
/** With the defaults, the process is gone within this (PM2 and systemd stop timeouts must exceed it). */
export const SHUTDOWN_HARD_LIMIT_MS = SHUTDOWN_DEADLINE_MS + SHUTDOWN_CLOSE_GRACE_MS

/**
 * How long `app.close()` waits for connections still busy once streams and sessions have been ended: the rest are cut.
 * Node's server.close() waits for every connection that is not idle, and a client that stopped reading a response (or
 * never finished sending its request) is not idle until keepAliveTimeout or headersTimeout (a minute or more), past the
 * hard limit, which would turn a clean deploy into exit 1. Half the close grace leaves time for the rest of closing.
 */
export const CUT_BUSY_CONNECTIONS_AFTER_MS = SHUTDOWN_CLOSE_GRACE_MS / 2

/** Runs the shutdown sequence on `app`; resolves with the exit code. Exported for tests. */
export async function shutDown (app: FastifyInstance, deadlineMs: number): Promise<number> {
  let cut: NodeJS.Timeout | undefined
  try {
    const charts = await app.drain(deadlineMs)
    app.log.info(charts, 'chart work drained')
    cut = setTimeout(() => {
      app.log.warn('connections still busy after the streams were closed: cutting them')
      app.server.closeAllConnections()
    }, CUT_BUSY_CONNECTIONS_AFTER_MS)
    cut.unref()
    await app.close()
    return 0
  } catch (error) {
    app.log.error({ err: error }, 'error while shutting down')
    return 1
  } finally {
    clearTimeout(cut)
  }
}

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
    app.log.info({ signal, deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'shutting down: draining')
    const hardLimit = setTimeout(() => {
      app.log.error('shutdown took too long; exiting')
      process.exit(1)
    }, config.SHUTDOWN_DEADLINE_MS + SHUTDOWN_CLOSE_GRACE_MS)
    hardLimit.unref()
    shutDown(app, config.SHUTDOWN_DEADLINE_MS).then((code) => process.exit(code), () => process.exit(1))
  }
  process.once('SIGINT', () => { shutdown('SIGINT') })
  process.once('SIGTERM', () => { shutdown('SIGTERM') })

  try {
    await app.listen({ host: config.HOST, port: config.PORT })
  } catch (error) {
    await app.close().catch(() => {})
    throw listenFailure(error, config)
  }
  app.log.info({ engine: app.core.engine.name, dataDir: config.DATA_DIR }, 'chart-img-mcp ready: MCP at /mcp, seed routes at /mcp/initialize|tools/list|tools/call, events at /mcp/events/:clientId')
  return app
}
