/**
 * A FIFO token bucket: `burst` requests back to back, then `ratePerSecond` sustained. Callers wait their turn
 * instead of failing; a waiter whose signal aborts leaves the queue and frees its place.
 * Hand-written (about 100 lines) because no rate-limiter package is installed in this tree, and we need
 * AbortSignal-aware waiting with a progress callback, which the common ones do not offer.
 */

export interface Clock {
  now: () => number
  setTimer: (fn: () => void, ms: number) => unknown
  clearTimer: (handle: unknown) => void
}

const realClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout)
}

export interface TokenBucketOptions {
  ratePerSecond: number
  burst: number
  clock?: Clock
}

interface Waiter {
  resolve: () => void
  reject: (reason: unknown) => void
  signal?: AbortSignal
  onAbort?: () => void
}

export class TokenBucketClosedError extends Error {
  constructor () {
    super('The request queue was closed')
    this.name = 'TokenBucketClosedError'
  }
}

export class TokenBucket {
  readonly #rate: number
  readonly #burst: number
  readonly #clock: Clock
  #tokens: number
  #updatedAt: number
  #waiters: Waiter[] = []
  #timer: unknown = null
  #closed = false

  constructor (options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) throw new RangeError('ratePerSecond must be > 0 and burst ≥ 1')
    this.#rate = options.ratePerSecond / 1000
    this.#burst = options.burst
    this.#clock = options.clock ?? realClock
    this.#tokens = options.burst
    this.#updatedAt = this.#clock.now()
  }

  /** Requests waiting for a token. */
  get waiting (): number {
    return this.#waiters.length
  }

  /**
   * Resolves when the caller may send one request. When it has to wait, calls `onWait` once (synchronously) with
   * the estimated wait in ms. Rejects with the signal's reason if it aborts first, or TokenBucketClosedError.
   */
  acquire (signal?: AbortSignal, onWait?: (estimatedMs: number) => void): Promise<void> {
    if (this.#closed) return Promise.reject(new TokenBucketClosedError())
    if (signal?.aborted) return Promise.reject(signal.reason)
    this.#refill()
    if (this.#waiters.length === 0 && this.#tokens >= 1) {
      this.#tokens -= 1
      return Promise.resolve()
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#remove(waiter)
          reject(signal.reason)
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.#waiters.push(waiter)
      const tokensNeeded = this.#waiters.length - this.#tokens
      onWait?.(Math.max(0, Math.ceil(tokensNeeded / this.#rate)))
      this.#schedule()
    })
  }

  /** Rejects every waiter and stops the timer. Idempotent. */
  close (): void {
    this.#closed = true
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer)
    this.#timer = null
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) {
      this.#detach(waiter)
      waiter.reject(new TokenBucketClosedError())
    }
  }

  #refill (): void {
    const now = this.#clock.now()
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAt) * this.#rate)
    this.#updatedAt = now
  }

  #schedule (): void {
    if (this.#timer !== null || this.#waiters.length === 0) return
    const waitMs = Math.max(0, Math.ceil((1 - this.#tokens) / this.#rate))
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null
      this.#drain()
    }, waitMs)
  }

  #drain (): void {
    this.#refill()
    while (this.#waiters.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1
      const waiter = this.#waiters.shift() as Waiter
      this.#detach(waiter)
      waiter.resolve()
    }
    this.#schedule()
  }

  #remove (waiter: Waiter): void {
    const index = this.#waiters.indexOf(waiter)
    if (index >= 0) this.#waiters.splice(index, 1)
    if (this.#waiters.length === 0 && this.#timer !== null) {
      this.#clock.clearTimer(this.#timer)
      this.#timer = null
    }
  }

  #detach (waiter: Waiter): void {
    if (waiter.signal !== undefined && waiter.onAbort !== undefined) waiter.signal.removeEventListener('abort', waiter.onAbort)
  }
}
