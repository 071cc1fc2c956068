/**
 * An in-process MCP transport: hands one JSON-RPC request to an McpServer and resolves with its response.
 * The seed routes use it so they are answered by the very same McpServer tools as every other surface. Written by
 * hand because the SDK's InMemoryTransport pairs a server with a Client (which would re-validate and re-wrap errors)
 * and cannot pass request headers through; this passes `requestInfo` so tools see X-Client-Id.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js'
import { JSONRPC_ERRORS, type JsonRpcRequest, type JsonRpcResponse } from '../jsonrpc.js'

const { REQUEST_CANCELLED, SHUTTING_DOWN } = JSONRPC_ERRORS

interface Pending {
  originalId: string | number
  resolve: (response: JsonRpcResponse) => void
}

export class DirectTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void
  #pending = new Map<number, Pending>()
  #nextId = 1
  #closed = false

  async start (): Promise<void> {}

  /** Messages from the server: responses resolve their request; notifications have no stream here and are dropped
   *  (progress for these routes travels on the per-client SSE channel instead). */
  async send (message: JSONRPCMessage): Promise<void> {
    if (!('id' in message) || 'method' in message) return
    const pending = this.#pending.get(message.id as number)
    if (pending === undefined) return
    this.#pending.delete(message.id as number)
    pending.resolve({ ...message, id: pending.originalId } as JsonRpcResponse)
  }

  /**
   * Sends a request into the server. Internal ids keep concurrent callers' ids (which may collide) apart.
   * When `signal` aborts, the server gets `notifications/cancelled` (its handler's signal aborts, so a render stops)
   * and the call resolves at once with a -32800 "Request cancelled" error. `authInfo` names the caller (its principal).
   */
  async request (request: JsonRpcRequest, headers: Record<string, string | string[] | undefined>, signal?: AbortSignal, authInfo?: MessageExtraInfo['authInfo']): Promise<JsonRpcResponse> {
    if (this.#closed || this.onmessage === undefined) throw new Error('DirectTransport is not connected')
    const internalId = this.#nextId++
    const response = new Promise<JsonRpcResponse>((resolve) => {
      this.#pending.set(internalId, { originalId: request.id, resolve })
    })
    const cancel = (): void => {
      const pending = this.#pending.get(internalId)
      if (pending === undefined) return
      this.#pending.delete(internalId)
      this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: internalId, reason: 'the HTTP client went away' } })
      pending.resolve({ jsonrpc: '2.0', id: request.id, error: { code: REQUEST_CANCELLED, message: 'Request cancelled' } })
    }
    if (signal?.aborted === true) {
      this.#pending.delete(internalId)
      return { jsonrpc: '2.0', id: request.id, error: { code: REQUEST_CANCELLED, message: 'Request cancelled' } }
    }
    signal?.addEventListener('abort', cancel, { once: true })
    this.onmessage({ ...request, id: internalId } as JSONRPCMessage, { requestInfo: { headers }, authInfo })
    try {
      return await response
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const [id, pending] of this.#pending) {
      pending.resolve({ jsonrpc: '2.0', id: pending.originalId, error: { code: SHUTTING_DOWN, message: 'Server is shutting down' } })
      this.#pending.delete(id)
    }
    this.onclose?.()
  }
}
