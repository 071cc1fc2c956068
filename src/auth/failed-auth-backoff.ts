/**
 * Backoff for failed authentication, per client address. Written here rather than with @fastify/rate-limit (which
 * limits the other traffic): that counts every request, while this counts only failures, and once a client is
 * locked out it refuses every attempt, right or wrong — otherwise a correct guess during the lockout would still be
 * told apart from a wrong one, and the lockout would not slow a brute force at all.
 *
 * `maxFailures` failures within `windowMs` lock the key for `baseLockMs`; each further lockout in a row doubles it
 * (capped at `maxLockMs`). A success does not clear the key: one valid token must not reset the count for
 * guesses of others from the same address.
 */
export interface FailedAuthBackoffOptions {
  maxFailures: number
  windowMs: number
  baseLockMs: number
  maxLockMs: number
  /** Keys tracked at most (oldest forgotten first), so a scan of many addresses cannot grow memory. */
  maxKeys?: number
  now?: () => number
}

interface Entry {
  failures: number
  windowStart: number
  lockedUntil: number
  lockouts: number
}

export class FailedAuthBackoff {
  readonly #options: Required<FailedAuthBackoffOptions>
  readonly #entries = new Map<string, Entry>()

  constructor (options: FailedAuthBackoffOptions) {
    this.#options = { maxKeys: 100_000, now: Date.now, ...options }
  }

  /** Milliseconds the key must still wait before any attempt is heard, or 0. */
  retryAfterMs (key: string): number {
    const entry = this.#entries.get(key)
    if (entry === undefined) return 0
    return Math.max(0, entry.lockedUntil - this.#options.now())
  }

  /** Records a failure; returns the lockout now in force (ms), or 0. */
  fail (key: string): number {
    const now = this.#options.now()
    let entry = this.#entries.get(key)
    if (entry === undefined) {
      entry = { failures: 0, windowStart: now, lockedUntil: 0, lockouts: 0 }
      this.#entries.set(key, entry)
      if (this.#entries.size > this.#options.maxKeys) this.#entries.delete(this.#entries.keys().next().value as string)
    }
    if (now - entry.windowStart > this.#options.windowMs && entry.lockedUntil <= now) {
      // A quiet window resets the count but remembers recent lockouts, so a slow brute force still backs off.
      if (now - entry.lockedUntil > this.#options.maxLockMs) entry.lockouts = 0
      entry.failures = 0
      entry.windowStart = now
    }
    entry.failures++
    if (entry.failures < this.#options.maxFailures) return 0
    const lockMs = Math.min(this.#options.maxLockMs, this.#options.baseLockMs * 2 ** entry.lockouts)
    entry.lockouts++
    entry.failures = 0
    entry.windowStart = now
    entry.lockedUntil = now + lockMs
    return lockMs
  }
}
