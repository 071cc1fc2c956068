/**
 * tools/list answered from a cache. SDK 1.32 converts every tool's zod schema to JSON Schema on every tools/list
 * (about 0.7 ms for our five tools), which capped the seed route at ~1,400 requests/s. The list only changes when a
 * tool is registered, changed or removed, and McpServer announces each such change through sendToolListChanged();
 * we drop the cache there.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { requestHandlers } from './sdk-internals.js'

/** Call after the first tool is registered. */
export function cacheToolsList (server: McpServer): void {
  const handlers = requestHandlers(server)
  const original = handlers.get('tools/list')
  if (original === undefined) throw new Error('cacheToolsList: register a tool first')
  let cached: Promise<unknown> | undefined
  handlers.set('tools/list', async (request, extra) => {
    // McpServer does not paginate tools, so the cursor never changes the answer.
    cached ??= original(request, extra).catch((error: unknown) => {
      cached = undefined
      throw error
    })
    return await cached
  })
  const announce = server.sendToolListChanged.bind(server)
  server.sendToolListChanged = () => {
    cached = undefined
    announce()
  }
}
