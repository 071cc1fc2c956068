/**
 * JSON-RPC 2.0 envelopes. One createResponse/createError pair builds every envelope; one table maps error codes to
 * HTTP statuses so the status and the body agree on every path (the JSON-RPC routes /mcp/initialize,
 * /mcp/tools/list, /mcp/tools/call, and REST, which reports the same outcomes as `{error, statusCode}`).
 */
import type { RequestFailure } from './http/request-errors.js'

export const JSONRPC_ERRORS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Server errors (-32000…-32099): ours for Host/Origin/auth/limits. */
  SERVER_ERROR: -32000,
  /** The server is closing and answered a request it will not finish. */
  SHUTTING_DOWN: -32001,
  /** A tool call ran past its deadline and was stopped (src/tools/registry.ts); ours, in the server-error range. */
  DEADLINE_EXCEEDED: -32003,
  /** MCP defines no code for a cancelled request (the spec sends no response at all); -32800 is LSP's RequestCancelled. */
  REQUEST_CANCELLED: -32800
} as const

export type JsonRpcId = string | number | null

export interface JsonRpcRequest {
  jsonrpc: '2.0'
  id: string | number
  method: string
  params?: Record<string, unknown>
}

export interface JsonRpcSuccess {
  jsonrpc: '2.0'
  id: JsonRpcId
  result: Record<string, unknown>
}

export interface JsonRpcFailure {
  jsonrpc: '2.0'
  id: JsonRpcId
  error: { code: number, message: string, data?: unknown }
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure

export function createResponse (id: JsonRpcId, result: Record<string, unknown>): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result }
}

/** `data` must never carry a stack trace or a raw error object: only facts a caller can act on. */
export function createError (id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } }
}

/** HTTP status for a JSON-RPC outcome: 200 for results (tool failures included: they are results). */
/** The id of a message that may not be valid JSON-RPC, to answer its error with (null when it has none usable). */
export function requestIdOf (message: unknown): JsonRpcId {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null
  const id = (message as Record<string, unknown>).id
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null
}

export function httpStatusOf (response: JsonRpcResponse): number {
  return 'error' in response ? httpStatusOfCode(response.error.code) : 200
}

/** HTTP status for a JSON-RPC error code. */
export function httpStatusOfCode (code: number): number {
  switch (code) {
    case JSONRPC_ERRORS.PARSE_ERROR:
    case JSONRPC_ERRORS.INVALID_REQUEST:
    case JSONRPC_ERRORS.INVALID_PARAMS:
      return 400
    case JSONRPC_ERRORS.METHOD_NOT_FOUND:
      return 404
    case JSONRPC_ERRORS.SHUTTING_DOWN:
      return 503
    case JSONRPC_ERRORS.DEADLINE_EXCEEDED:
      return 504
    // nginx's "client closed request": nobody reads it, but logs and metrics must not count it as a server error.
    case JSONRPC_ERRORS.REQUEST_CANCELLED:
      return 499
    default:
      return 500
  }
}

/**
 * A request refused before its route answered (src/http/request-errors.ts) as a JSON-RPC error: bad JSON is -32700,
 * anything else about the request -32600 with what to fix, our own failure -32603 with nothing of its detail.
 * The HTTP status stays the classification's (415, 413, 400…).
 */
export function jsonRpcErrorOf (failure: RequestFailure): JsonRpcFailure {
  switch (failure.kind) {
    case 'bad-json': return createError(null, JSONRPC_ERRORS.PARSE_ERROR, `Parse error: ${failure.message}`)
    case 'internal': return createError(null, JSONRPC_ERRORS.INTERNAL_ERROR, 'Internal error')
    default: return createError(null, JSONRPC_ERRORS.INVALID_REQUEST, failure.message)
  }
}

export type EnvelopeCheck = { ok: true, request: JsonRpcRequest } | { ok: false, error: JsonRpcFailure }

/** Validates a parsed body as one JSON-RPC request (not a notification, not a batch). */
export function checkRequestEnvelope (body: unknown): EnvelopeCheck {
  const fail = (id: JsonRpcId, message: string): EnvelopeCheck => ({ ok: false, error: createError(id, JSONRPC_ERRORS.INVALID_REQUEST, message) })
  if (Array.isArray(body)) return fail(null, 'Batches are not supported: send one JSON-RPC request per POST')
  if (typeof body !== 'object' || body === null) return fail(null, 'The body must be a JSON-RPC 2.0 request object')
  const candidate = body as Record<string, unknown>
  const id = candidate.id
  const validId = typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))
  const replyId: JsonRpcId = validId ? id as string | number : null
  if (candidate.jsonrpc !== '2.0') return fail(replyId, 'jsonrpc must be "2.0"')
  if (typeof candidate.method !== 'string' || candidate.method === '') return fail(replyId, 'method must be a non-empty string')
  if (!validId) return fail(null, 'id must be a string or a number: these routes answer requests, not notifications')
  if (candidate.params !== undefined && (typeof candidate.params !== 'object' || candidate.params === null || Array.isArray(candidate.params))) {
    return { ok: false, error: createError(replyId, JSONRPC_ERRORS.INVALID_PARAMS, 'params must be an object') }
  }
  return { ok: true, request: candidate as unknown as JsonRpcRequest }
}
