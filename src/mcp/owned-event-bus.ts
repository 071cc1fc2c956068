/**
 * The `ServerEventBus` of the 2026-07-28 handler (plugins/mcp-sessions.ts), with owners: a change about a chart
 * request reaches only the `subscriptions/listen` streams of the principal that made it (issue 9, "Channels and
 * requests belong to their principal"); changes that concern everyone (a tool list) reach every stream.
 *
 * The SDK's listen router subscribes one listener per stream and never says whose stream it is
 * (`createListenRouter` → `bus.subscribe`, called synchronously while `handler.fetch` serves the listen request), so
 * the listener's principal is taken from the async context `serveAs` opens around `handler.fetch`: every `subscribe`
 * made inside it belongs to that principal. A subscribe made outside any `serveAs` gets only unowned events.
 * Fastify-free; in-process (like the SDK's InMemoryServerEventBus: each process publishes its own streams' changes,
 * fed by the chart event bus, which is the cross-process one).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server'

/** A listener's principal: an id, null in open mode; `undefined` when it subscribed outside `serveAs`. */
type ListenerOwner = string | null | undefined

interface Entry {
  owner: ListenerOwner
  listener: (event: ServerEvent) => void
}

export class OwnedServerEventBus implements ServerEventBus {
  readonly #listeners = new Set<Entry>()
  readonly #principal = new AsyncLocalStorage<string | null>()
  readonly #onerror: ((error: Error) => void) | undefined

  constructor (onerror?: (error: Error) => void) {
    this.#onerror = onerror
  }

  /** Runs `serve` (a call of the SDK handler) so that the streams it subscribes belong to `principal`. */
  async serveAs<T> (principal: string | null, serve: () => Promise<T>): Promise<T> {
    return await this.#principal.run(principal, serve)
  }

  /** A change for everyone (tool, prompt lists): what `handler.notify` publishes. */
  publish (event: ServerEvent): void {
    this.#deliver(event, () => true)
  }

  /**
   * A change about something `owner` made (null in open mode, where every stream is null's): only that principal's
   * streams get it. Another principal's stream does not even learn that something changed.
   */
  publishOwned (event: ServerEvent, owner: string | null): void {
    this.#deliver(event, (entry) => entry.owner === owner)
  }

  subscribe (listener: (event: ServerEvent) => void): () => void {
    const entry: Entry = { owner: this.#principal.getStore(), listener }
    this.#listeners.add(entry)
    return () => { this.#listeners.delete(entry) }
  }

  /** Streams subscribed now (tests). */
  get listenerCount (): number {
    return this.#listeners.size
  }

  #deliver (event: ServerEvent, reaches: (entry: Entry) => boolean): void {
    for (const entry of [...this.#listeners]) {
      if (!reaches(entry)) continue
      // As the SDK's bus: a throwing listener does not stop delivery to the others.
      try {
        entry.listener(event)
      } catch (error) {
        this.#onerror?.(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }
}
