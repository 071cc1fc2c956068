/**
 * Messages between the instances that hold copies of the same 2025-era MCP session (REDIS_URL), on one Redis pub/sub
 * channel `<prefix>mcp:relay`: the session ended (DELETE on one instance), an event of the standalone GET stream
 * (stored by one instance, written by the one holding the stream), a client's answer to a server→client request
 * (elicitation, sampling: routed to the instance that asked), a cancellation (to the instance running the request).
 * Every instance receives every message and acts only on sessions it holds: the traffic is per session event, not
 * per stream, and nothing here (but a relayed POST of a stream-bound session, which is answered on its stream) is needed for correctness of stored state (which lives in session-records and the
 * event store).
 */
import type { Redis } from 'ioredis'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import type { McpAuthInfo } from '../auth/mcp-auth-info.js'

export type RelayMessage =
  | { kind: 'ended', session: string }
  | { kind: 'standalone', session: string, from: string, eventId: string, message: JSONRPCMessage }
  | { kind: 'response', session: string, to: string, message: JSONRPCMessage }
  | { kind: 'cancelled', session: string, from: string, message: JSONRPCMessage }
  /** A POST of a stream-bound session (legacy HTTP+SSE, GET /sse) for the instance holding its stream (src/mcp/relayed-streams.ts). */
  | { kind: 'post', session: string, surface: 'legacy' | 'sse', to: string, body: unknown, principal: string | null, authInfo?: McpAuthInfo }

export interface RelayLogger {
  warn: (obj: object, msg: string) => void
}

const KINDS = new Set(['ended', 'standalone', 'response', 'cancelled', 'post'])

export class SessionRelay {
  readonly #publisher: Redis
  readonly #subscriber: Redis
  readonly #channel: string
  readonly #log: RelayLogger
  #listener: ((message: RelayMessage) => void) | undefined

  constructor (options: { publisher: Redis, subscriber: Redis, keyPrefix: string, log: RelayLogger }) {
    this.#publisher = options.publisher
    this.#subscriber = options.subscriber
    this.#channel = `${options.keyPrefix}mcp:relay`
    this.#log = options.log
    this.#subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.#channel) return
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
    await this.#subscriber.subscribe(this.#channel)
  }

  /** Best effort: a Redis outage is logged; what it carried is still in Redis (event store) or ends by TTL. */
  publish (message: RelayMessage): void {
    this.#publisher.publish(this.#channel, JSON.stringify(message)).catch((error: unknown) => {
      this.#log.warn({ err: (error as Error).message, kind: message.kind, session: message.session }, 'MCP relay publish failed')
    })
  }
}
