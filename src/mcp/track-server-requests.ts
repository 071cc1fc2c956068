/**
 * Keeps a session busy while its server works on a request, whether or not the HTTP stream that carried the request
 * is still open. Idle reaping otherwise sees only HTTP streams: a client that drops its POST stream during a long
 * chart (it may resume later with Last-Event-ID) would leave a session that looks idle while its tool still runs.
 * Wraps the transport after `server.connect()`: a request counts from its arrival to the send of its response, its
 * cancellation (notifications/cancelled) or the transport's close.
 */
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server'

type RequestId = string | number

function requestIdOf (message: JSONRPCMessage): RequestId | undefined {
  return 'id' in message && (typeof message.id === 'string' || typeof message.id === 'number') ? message.id : undefined
}

/** `begin()` marks one request in progress and returns its idempotent end. */
export function trackServerRequests (transport: Transport, begin: () => () => void): void {
  const inProgress = new Map<RequestId, () => void>()
  const end = (id: RequestId | undefined): void => {
    if (id === undefined) return
    inProgress.get(id)?.()
    inProgress.delete(id)
  }
  const receive = transport.onmessage
  transport.onmessage = (message, extra) => {
    const id = requestIdOf(message)
    if ('method' in message) {
      if (id !== undefined) inProgress.set(id, begin())
      else if (message.method === 'notifications/cancelled') end((message.params as { requestId?: RequestId } | undefined)?.requestId)
    }
    receive?.(message, extra)
  }
  const send = transport.send.bind(transport)
  transport.send = async (message, options) => {
    try {
      await send(message, options)
    } finally {
      // A response (result or error) ends its request; server→client requests and notifications do not.
      if (!('method' in message)) end(requestIdOf(message))
    }
  }
  const closed = transport.onclose
  transport.onclose = () => {
    for (const done of inProgress.values()) done()
    inProgress.clear()
    closed?.()
  }
}
