/**
 * `resources/subscribe` and `resources/unsubscribe` for one 2025-era MCP server (= one session; 2026-07-28 has
 * subscriptions/listen instead, served by the SDK's handler). McpServer has no subscription
 * API, and a method has exactly one handler, so the chart resources and the conformance fixtures share this registry:
 * each declares which URIs can be watched, and asks whether a URI is watched before sending
 * `notifications/resources/updated` (spec 2025-11-25, server/resources §"Subscriptions").
 */
import { ProtocolError, ProtocolErrorCode, type McpServer } from '@modelcontextprotocol/server'
import { principalOf } from './request-state.js'

export type SubscriptionListener = (uri: string, subscribed: boolean) => void

/** Whether `principal` (null in open mode) may watch `uri` (async when the answer is in the history store). */
export type WatchableUri = (uri: string, principal: string | null) => boolean | Promise<boolean>

export class ResourceSubscriptions {
  readonly #server: McpServer
  readonly #watchable: WatchableUri[] = []
  readonly #uris = new Set<string>()
  readonly #listeners: SubscriptionListener[] = []

  constructor (server: McpServer) {
    this.#server = server
    server.server.setRequestHandler('resources/subscribe', async (request, ctx) => {
      const { uri } = request.params
      const principal = principalOf(ctx)
      // Another principal's chart answers as an unknown one does (no existence oracle).
      if (!await this.#isWatchable(uri, principal)) {
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${uri} cannot be subscribed to; chart://requests/{requestId} of a request of yours can`)
      }
      if (!this.#uris.has(uri)) {
        this.#uris.add(uri)
        for (const listener of this.#listeners) listener(uri, true)
      }
      return {}
    })
    server.server.setRequestHandler('resources/unsubscribe', async (request) => {
      const { uri } = request.params
      if (this.#uris.delete(uri)) {
        for (const listener of this.#listeners) listener(uri, false)
      }
      return {}
    })
  }

  async #isWatchable (uri: string, principal: string | null): Promise<boolean> {
    for (const matches of this.#watchable) if (await matches(uri, principal)) return true
    return false
  }

  /** Declares URIs that clients may subscribe to (given the caller's principal). */
  allow (matches: WatchableUri): void {
    this.#watchable.push(matches)
  }

  /** Called on every subscribe/unsubscribe that changes the set. */
  onChange (listener: SubscriptionListener): void {
    this.#listeners.push(listener)
  }

  get count (): number {
    return this.#uris.size
  }

  /** Sends `notifications/resources/updated` if the client watches `uri`. Never throws (the session may be gone). */
  async notifyUpdated (uri: string): Promise<boolean> {
    if (!this.#uris.has(uri)) return false
    try {
      await this.#server.server.sendResourceUpdated({ uri })
      return true
    } catch {
      return false
    }
  }
}
