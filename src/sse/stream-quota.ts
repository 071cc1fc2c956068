/**
 * The per-key quota on one channel registry's streams (SSE_CHANNELS_PER_PRINCIPAL), this instance's and, with
 * REDIS_URL, every instance's: a slot is reserved BEFORE the stream touches Redis (src/sse/registry.ts `prepare`), so
 * a refused stream leaves nothing there. The same order as McpSessionGuard.reserve (src/auth/mcp-session-guard.ts):
 * the local slot first, then the shared one, the local one given back when the shared one is refused.
 */
import { QuotaCounter } from '../auth/quota.js'
import type { QuotaKind, SharedQuota } from '../auth/shared-quota.js'

/** A stream's place under its key's quota; `release` is idempotent. */
export interface StreamSlot {
  release: () => void
}

/** The quota counted across instances (REDIS_URL): which counter, under which name. */
export interface SharedStreamQuota {
  quota: Pick<SharedQuota, 'acquire'>
  /** `channel:events` (/mcp/events) or `channel:sse` (/sse): each registry has its own quota. */
  kind: QuotaKind
}

export class StreamQuota {
  readonly #local: QuotaCounter
  readonly #shared: SharedStreamQuota | undefined

  constructor (maxPerKey: number, shared?: SharedStreamQuota) {
    this.#local = new QuotaCounter(maxPerKey)
    this.#shared = shared
  }

  get max (): number {
    return this.#local.max
  }

  /** Whether `key` may take one more slot here. */
  allows (key: string): boolean {
    return this.#local.allows(key)
  }

  /** Takes a local slot at once (a stream opened without `reserve`); null at the quota. */
  acquireLocal (key: string): StreamSlot | null {
    const release = this.#local.acquire(key)
    return release === null ? null : { release }
  }

  /**
   * Takes a slot for a new stream of `key`: null at the quota (answer 429). Without a shared quota the answer is
   * immediate (no promise: the single-instance path does not wait).
   */
  reserve (key: string): StreamSlot | null | Promise<StreamSlot | null> {
    const local = this.acquireLocal(key)
    if (local === null || this.#shared === undefined) return local
    const { quota, kind } = this.#shared
    return (async () => {
      const shared = await quota.acquire(kind, key, this.#local.max)
      if (shared === null) {
        local.release()
        return null
      }
      return { release: () => { local.release(); shared() } }
    })()
  }
}
