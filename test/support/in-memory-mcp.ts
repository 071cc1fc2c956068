/**
 * Test helper: an SDK `Client` connected to `server` over the SDK's in-memory transport, both closed at teardown.
 * For tests of McpServer wrappers, where HTTP would only add noise.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'

export async function connectInMemory (t: { teardown: (fn: () => Promise<void>) => void }, server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({ name: 'test-client', version: '1.0.0' })
  await client.connect(clientSide)
  t.teardown(async () => { await client.close(); await server.close() })
  return client
}
