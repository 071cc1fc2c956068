/**
 * JSON text of a JSON-RPC response, reusing the text of results seen before. Some results are the same object on
 * every call (tools/list is built once, see ToolRegistry.describe in src/tools/registry.ts): stringifying its 6 KB each time was a fifth
 * of the seed route's CPU. Keyed by object identity in a WeakMap, so only results that are kept alive (and never
 * mutated: cached results are shared read-only) are remembered; a fresh tool result is serialised once and dropped.
 */
import type { JsonRpcResponse } from './jsonrpc.js'

const resultText = new WeakMap<object, string>()

export function serializeResponse (response: JsonRpcResponse): string {
  if (!('result' in response)) return JSON.stringify(response)
  let text = resultText.get(response.result)
  if (text === undefined) {
    text = JSON.stringify(response.result)
    resultText.set(response.result, text)
  }
  return `{"jsonrpc":"2.0","id":${JSON.stringify(response.id)},"result":${text}}`
}
