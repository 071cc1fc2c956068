/**
 * Messages between the instances that hold copies of the same 2025-era MCP session (REDIS_URL), over Redis pub/sub:
 * the session ended (DELETE on one instance), an event of the standalone GET stream (stored by one instance, written
 * by the one holding the stream), a client's answer to a server→client request (elicitation, sampling: routed to the
 * instance that asked), a cancellation (to the instance running the request), a POST of a stream-bound session.
 *
 * A message whose target instance is known (`to`: the instance that asked, the one holding the stream — named in the
 * session record, src/mcp/session-records.ts) goes on that instance's own channel `<prefix>mcp:relay:<instanceId>`
 * (the id of src/redis/instance-liveness.ts), which only it subscribes to. Only what concerns every copy of a session
 * goes on the shared `<prefix>mcp:relay`: it ended, its GET stream moved (`holder`), a cancellation (any copy may run
 * the request); every instance acts on those only for sessions it holds. Nothing here (but a relayed POST of a
 * stream-bound session, which is answered on its stream) is needed for correctness of stored state (which lives in
 * session-records and the event store).
 */
import type { Redis } from 'ioredis'
import { trackSubscription, type SubscriptionState } from '../redis/subscription-state.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import type { McpAuthInfo } from '../auth/mcp-auth-info.js'

export type RelayMessage =
  | { kind: 'ended', session: string }
  | { kind: 'standalone', session: string, to: string, eventId: string, message: JSONRPCMessage }
  /** The session's standalone GET stream is now held by `instance`. */
  | { kind: 'holder', session: string, instance: string }
  /** The client (un)subscribed a resource through another copy: for the copy holding the GET stream, which sends updates. */
  | { kind: 'subscription', session: string, to: string, uri: string, subscribed: boolean }
  | { kind: 'response', session: string, to: string, message: JSONRPCMessage }
  | { kind: 'cancelled', session: string, from: string, message: JSONRPCMessage }
  /** A POST of a stream-bound session (legacy HTTP+SSE, GET /sse) for the instance holding its stream (src/mcp/relayed-streams.ts). */
  | { kind: 'post', session: string, surface: 'legacy' | 'sse', to: string, body: unknown, principal: string | null, authInfo?: McpAuthInfo }

export interface RelayLogger {
  warn: (obj: object, msg: string) => void
}

const KINDS = new Set(['ended', 'standalone', 'holder', 'subscription', 'response', 'cancelled', 'post'])

export class SessionRelay {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  /** Messages for every instance. */
  readonly #channel: string
  /** Messages for this instance only. */
  readonly #own: string
  readonly #log: RelayLogger
  #subscription: SubscriptionState | undefined
  #listener: ((message: RelayMessage) => void) | undefined

  /** `instance`: this instance's id, which other instances address it by (`to`). */
  constructor (options: { publisher: Redis, subscriber: Redis, keyPrefix: string, instance: string, log: RelayLogger }) {
    this.#publisher = options.publisher
    this.#subscriber = options.subscriber
    this.#channel = `${options.keyPrefix}mcp:relay`
    this.#own = `${this.#channel}:${options.instance}`
    this.#log = options.log
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel && channel !== this.#own) return
      let message: RelayMessage
      try {
        message = JSON.parse(text) as RelayMessage
      } catch {
        message = { kind: 'unknown' } as unknown as RelayMessage
      }
      if (typeof message !== 'object' || message === null || !KINDS.has(message.kind) || typeof message.session !== 'string') {
        this.#log.warn({ channel, bytes: text.length }, 'malformed MCP relay message dropped')
        return
      }
      this.#listener?.(message)
    })
  }

  /** Resolves once subscribed: nothing published after it is missed. */
  async start (listener: (message: RelayMessage) => void): Promise<void> {
    this.#listener = listener
    await this.#subscriber.subscribe(this.#channel, this.#own)
    this.#subscription = trackSubscription(this.#subscriber, [this.#channel, this.#own], 'the MCP session relay')
  }

  /** Why relayed messages may be missed now (re-subscribing after a reconnect), or null; readiness waits for it. */
  problem (): string | null {
    return this.#subscription?.problem() ?? null
  }

  /** Best effort: a Redis outage is logged; what it carried is still in Redis (event store) or ends by TTL. */
  publish (message: RelayMessage): void {
    const channel = 'to' in message ? `${this.#channel}:${message.to}` : this.#channel
    this.#publisher.publish(channel, JSON.stringify(message)).catch((error: unknown) => {
      this.#log.warn({ err: (error as Error).message, kind: message.kind, session: message.session }, 'MCP relay publish failed')
    })
  }
}
