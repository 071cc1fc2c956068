/**
 * The tool calls an MCP server is running, so that closing the app answers every one of them before their streams
 * and sessions close (issue 11: on SIGTERM, 6 of 6 in-flight Streamable HTTP calls used to get no answer at all).
 * `drain()` lets running calls finish for a grace period, then stops the rest; the adapter
 * (src/mcp/tool-adapter.ts) answers a stopped call, and any call arriving during the drain, with -32001.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'

/** JSON-RPC error for a call the server will not finish because it is shutting down (server error range). */
export const SHUTTING_DOWN_CODE = -32001
/** How long running tool calls may finish when the server closes, before they are answered with -32001. */
export const DRAIN_GRACE_MS = 5_000

export const SHUTTING_DOWN_MESSAGE = 'The server is shutting down and stopped this call; retry it in a moment (or on another instance)'

interface Call {
  controller: AbortController
  done: Promise<void>
}

export class InFlightCalls {
  readonly #calls = new Set<Call>()
  #draining = false

  /** True once drain() has begun: new calls are refused. */
  get draining (): boolean {
    return this.#draining
  }

  get size (): number {
    return this.#calls.size
  }

  /** Runs `work` as a tracked call; its signal aborts when the drain stops it. */
  async track<T> (work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    let finish: () => void = () => {}
    const call: Call = { controller, done: new Promise<void>((resolve) => { finish = resolve }) }
    this.#calls.add(call)
    try {
      return await work(controller.signal)
    } finally {
      this.#calls.delete(call)
      finish()
    }
  }

  /**
   * Refuses new calls, waits up to `graceMs` for running ones, stops the rest, and resolves once every call has
   * returned (so each answer has been handed to its transport). Idempotent.
   */
  async drain (graceMs: number): Promise<void> {
    this.#draining = true
    const pending = (): Array<Promise<void>> => [...this.#calls].map((call) => call.done)
    if (this.#calls.size > 0 && graceMs > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.all(pending()),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs) })
      ])
      clearTimeout(timer)
    }
    for (const call of this.#calls) call.controller.abort(new Error(SHUTTING_DOWN_MESSAGE))
    await Promise.all(pending())
    // The SDK sends a handler's answer on the next turns; let those writes happen before the streams close.
    await nextTurn()
    await nextTurn()
  }
}
