/**
 * An in-process MCP transport: hands one JSON-RPC request to an McpServer and resolves with its response.
 * The seed routes use it so they are answered by the very same McpServer tools as every other surface. Written by
 * hand because the SDK's InMemoryTransport pairs a server with a Client (which would re-validate and re-wrap errors)
 * and cannot pass request headers through; this passes `requestInfo` so tools see X-Client-Id.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js'
import type { JsonRpcRequest, JsonRpcResponse } from '../jsonrpc.js'

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

  /** Sends a request into the server. Internal ids keep concurrent callers' ids (which may collide) apart. */
  async request (request: JsonRpcRequest, headers: Record<string, string | string[] | undefined>): Promise<JsonRpcResponse> {
    if (this.#closed || this.onmessage === undefined) throw new Error('DirectTransport is not connected')
    const internalId = this.#nextId++
    const response = new Promise<JsonRpcResponse>((resolve) => {
      this.#pending.set(internalId, { originalId: request.id, resolve })
    })
    this.onmessage({ ...request, id: internalId } as JSONRPCMessage, { requestInfo: { headers } })
    return await response
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const [id, pending] of this.#pending) {
      pending.resolve({ jsonrpc: '2.0', id: pending.originalId, error: { code: -32000, message: 'Server is shutting down' } })
      this.#pending.delete(id)
    }
    this.onclose?.()
  }
}
