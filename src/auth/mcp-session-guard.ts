/**
 * MCP sessions per principal: a quota on how many one principal (one address in open mode) may hold, so a client
 * that never sends DELETE cannot take every slot of MAX_SESSIONS, and the owner of each session, so a session id
 * reaches only the principal that created it (another gets 404, as for an unknown id). Fastify- and SDK-free: the
 * MCP routes call it (reserve before creating a session, bind once it has an id, forget when it closes, allows on
 * every request that names a session).
 */
import { QuotaCounter } from './quota.js'
import type { SharedQuota } from './shared-quota.js'

export class McpSessionGuard {
  readonly #quota: QuotaCounter
  readonly #shared: SharedQuota | undefined
  readonly #owners = new Map<string, { owner: string | null, release: () => void }>()

  /** `shared` (REDIS_URL): the quota counts the principal's sessions on every instance, not only this one's. */
  constructor (maxPerKey: number, shared?: SharedQuota) {
    this.#quota = new QuotaCounter(maxPerKey)
    this.#shared = shared
  }

  get maxPerKey (): number {
    return this.#quota.max
  }

  /** Takes a slot for a new session of `quotaKey`; its release, or null at the quota (answer 429). */
  async reserve (quotaKey: string): Promise<(() => void) | null> {
    const local = this.#quota.acquire(quotaKey)
    if (local === null || this.#shared === undefined) return local
    const shared = await this.#shared.acquire('mcp-session', quotaKey, this.#quota.max)
    if (shared === null) {
      local()
      return null
    }
    return () => {
      local()
      shared()
    }
  }

  /** The session got its id: it belongs to `owner`, and holds `slot` until forgotten. */
  bind (sessionId: string, owner: string | null, slot: () => void): void {
    this.#owners.set(sessionId, { owner, release: slot })
  }

  /** The session ended: its slot frees. Idempotent. */
  forget (sessionId: string): void {
    this.#owners.get(sessionId)?.release()
    this.#owners.delete(sessionId)
  }

  /** Whether `principal` may use the session (false for an unknown one too). */
  allows (sessionId: string, principal: string | null): boolean {
    const entry = this.#owners.get(sessionId)
    return entry !== undefined && entry.owner === principal
  }
}
