/**
 * Holds a 429 (rate limit, failed-auth lockout) for a moment before it is sent. A client that keeps N requests in
 * flight and fires the next one as soon as a refusal comes back (the scripted burst: 3,000 tools/list in 1.8 s)
 * otherwise makes the server answer thousands of refusals a second on the event loop every other client shares; held
 * for `delayMs`, it can send at most N per `delayMs`. A client that honours Retry-After loses nothing (it waits longer
 * than that anyway). The same idea as nginx `limit_req` without `nodelay` (excess requests are delayed), bounded:
 * at most `maxHeld` refusals wait at once (each is an open request), past that they are sent at once, so a client
 * with many connections cannot make the server hold an unbounded number. Written here because @fastify/rate-limit
 * answers at once and has no such option. Fastify-free.
 */
export interface RefusalDelayOptions {
  /** How long a refusal waits (never longer than the client is told to wait). */
  delayMs: number
  /** Refusals held at once, at most. */
  maxHeld: number
}

export class RefusalDelay {
  readonly #options: RefusalDelayOptions
  readonly #held = new Set<() => void>()

  constructor (options: RefusalDelayOptions) {
    this.#options = options
  }

  /** Resolves after min(delayMs, retryAfterMs), or at once when `maxHeld` refusals already wait or after releaseAll. */
  async hold (retryAfterMs: number): Promise<void> {
    const ms = Math.min(this.#options.delayMs, retryAfterMs)
    if (ms <= 0 || this.#held.size >= this.#options.maxHeld) return
    await new Promise<void>((resolve) => {
      const release = (): void => {
        clearTimeout(timer)
        this.#held.delete(release)
        resolve()
      }
      const timer = setTimeout(release, ms)
      timer.unref()
      this.#held.add(release)
    })
  }

  /** Refusals waiting now. */
  get held (): number {
    return this.#held.size
  }

  /** Sends every held refusal now (shutdown). */
  releaseAll (): void {
    for (const release of [...this.#held]) release()
  }
}
