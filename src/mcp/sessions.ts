/**
 * Keeps the MCP sessions of one process: Streamable HTTP sessions (`Mcp-Session-Id`) and legacy HTTP+SSE sessions
 * (`?sessionId=`) share one cap, so neither surface can starve the other.
 *
 * Operators' two complaints this answers (shared/reference/mcp-protocol.md): abandoned sessions that are never reaped
 * (idle timeout) and unbounded growth (cap → 503 + Retry-After). A session is idle only when no HTTP request or stream
 * of it is open and nothing happened for `idleMs`; a long tool call or an open GET stream keeps it alive.
 */
import type { Logger } from 'pino'

/** The two log calls the manager makes (a pino logger or Fastify's fits). */
export type SessionLog = Pick<Logger, 'info' | 'warn'>

export type SessionKind = 'streamable' | 'legacy'

export interface SessionHandle {
  readonly id: string
  readonly kind: SessionKind
  /** Ends the session: closes its transport and server. Must be idempotent and must not throw. */
  close: () => Promise<void>
}

interface SessionEntry {
  handle: SessionHandle
  /** Open HTTP requests/streams of this session. */
  open: number
  lastActive: number
}

export interface SessionManagerOptions {
  maxSessions: number
  idleMs: number
  log: SessionLog
  /** How often to look for idle sessions; default idleMs / 4 (at least 250 ms, at most 60 s). */
  sweepMs?: number
  now?: () => number
}

export class SessionManager {
  readonly #sessions = new Map<string, SessionEntry>()
  readonly #options: SessionManagerOptions
  readonly #now: () => number
  #reserved = 0
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor (options: SessionManagerOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
    const sweepMs = options.sweepMs ?? Math.min(60_000, Math.max(250, Math.floor(options.idleMs / 4)))
    this.#timer = setInterval(() => { this.reapIdle() }, sweepMs)
    // The sweep must never keep the process alive on its own.
    this.#timer.unref()
  }

  get size (): number {
    return this.#sessions.size
  }

  /** Sessions by kind, for health and metrics. */
  count (kind?: SessionKind): number {
    if (kind === undefined) return this.#sessions.size
    let n = 0
    for (const entry of this.#sessions.values()) if (entry.handle.kind === kind) n++
    return n
  }

  /**
   * Reserves a slot for a session about to be created. Returns a release function (call it once the session is added,
   * or given up), or null when the cap is reached.
   */
  reserve (): (() => void) | null {
    if (this.#closed || this.#sessions.size + this.#reserved >= this.#options.maxSessions) return null
    this.#reserved++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#reserved--
    }
  }

  add (handle: SessionHandle): void {
    if (this.#closed) {
      handle.close().catch(() => {})
      return
    }
    this.#sessions.set(handle.id, { handle, open: 0, lastActive: this.#now() })
  }

  has (id: string): boolean {
    return this.#sessions.has(id)
  }

  get (id: string): SessionHandle | undefined {
    return this.#sessions.get(id)?.handle
  }

  /** Marks one request/stream of the session open; returns an idempotent function that marks it done. */
  track (id: string): () => void {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return () => {}
    entry.open++
    entry.lastActive = this.#now()
    let done = false
    return () => {
      if (done) return
      done = true
      entry.open--
      entry.lastActive = this.#now()
    }
  }

  /** Sessions with a request or stream open now. */
  * busyIds (): IterableIterator<string> {
    for (const [id, entry] of this.#sessions) if (entry.open > 0) yield id
  }

  /** Forgets a session that ended on its own (DELETE, transport closed). Does not call close(). */
  remove (id: string): void {
    this.#sessions.delete(id)
  }

  /** Ends one session. */
  async end (id: string): Promise<void> {
    const entry = this.#sessions.get(id)
    if (entry === undefined) return
    this.#sessions.delete(id)
    await entry.handle.close()
  }

  /** Ends every session with nothing open and no activity for idleMs. Returns how many were reaped. */
  reapIdle (): number {
    const cutoff = this.#now() - this.#options.idleMs
    let reaped = 0
    for (const [id, entry] of this.#sessions) {
      if (entry.open > 0 || entry.lastActive > cutoff) continue
      this.#sessions.delete(id)
      reaped++
      this.#options.log.info({ sessionId: id, kind: entry.handle.kind }, 'MCP session idle: closed')
      entry.handle.close().catch((error: unknown) => {
        this.#options.log.warn({ err: error, sessionId: id }, 'closing an idle MCP session failed')
      })
    }
    return reaped
  }

  /** Ends every session and stops the sweep. Idempotent. */
  async closeAll (): Promise<void> {
    this.#closed = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const entries = [...this.#sessions.values()]
    this.#sessions.clear()
    await Promise.allSettled(entries.map(async (entry) => { await entry.handle.close() }))
  }
}
