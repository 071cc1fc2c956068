/**
 * Per-principal quotas on long-lived things (SSE channels, MCP sessions), so one client cannot take every slot of a
 * global cap. The key is the principal id, or the client address in open mode. Fastify-free: the channel registry
 * uses it for SSE channels; the MCP session code calls `acquire(key)` when a session is created and the returned
 * release when it ends (see README "Security").
 */
export class QuotaCounter {
  readonly max: number
  readonly #held = new Map<string, number>()

  constructor (max: number) {
    this.max = max
  }

  /** How many `key` holds now. */
  count (key: string): number {
    return this.#held.get(key) ?? 0
  }

  /** Whether `key` may take one more. */
  allows (key: string): boolean {
    return this.count(key) < this.max
  }

  /** Takes one slot for `key`; returns its release (idempotent), or null when `key` is at its quota. */
  acquire (key: string): (() => void) | null {
    if (!this.allows(key)) return null
    this.#held.set(key, this.count(key) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = this.count(key) - 1
      if (left <= 0) this.#held.delete(key)
      else this.#held.set(key, left)
    }
  }
}

/** The key per-principal quotas and rate limits count under: the principal, or the client address without one. */
export function quotaKeyOf (principal: string | null, ip: string): string {
  return principal ?? `ip:${ip}`
}
