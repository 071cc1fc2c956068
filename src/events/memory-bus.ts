import type { Logger } from 'pino'
import type { BusListener, EventBus } from './bus.js'
import type { BusMessage } from './types.js'

/** The logging the buses need; a pino Logger and Fastify's `fastify.log` both fit. */
export type BusLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>

/**
 * Calls every listener with the message, each in its own try/catch so one failing listener cannot stop delivery to
 * the others (EventBus contract). Iterates a snapshot so a listener that (un)subscribes mid-delivery is safe.
 */
export function deliverToListeners (listeners: Set<BusListener>, message: BusMessage, log: BusLogger): void {
  for (const listener of [...listeners]) {
    try {
      listener(message)
    } catch (err) {
      log.error({ err, requestId: message.event.requestId }, 'event bus listener failed')
    }
  }
}

/**
 * One-process bus: `publish` delivers synchronously to every subscriber and resolves. After `close()`, `publish`
 * is a no-op (a render finishing during shutdown must not crash the process) and `subscribe` returns a no-op.
 */
export function createMemoryBus (options: { log: BusLogger }): EventBus {
  const { log } = options
  const listeners = new Set<BusListener>()
  let closed = false

  return {
    async publish (message) {
      if (closed) {
        log.debug({ requestId: message.event.requestId }, 'event bus closed; message dropped')
        return
      }
      deliverToListeners(listeners, message, log)
    },
    subscribe (listener) {
      if (closed) return () => {}
      // Wrap so subscribing the same function twice gives two independent subscriptions.
      const entry: BusListener = (message) => listener(message)
      listeners.add(entry)
      return () => { listeners.delete(entry) }
    },
    async close () {
      closed = true
      listeners.clear()
    }
  }
}
