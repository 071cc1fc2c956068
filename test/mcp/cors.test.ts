/**
 * CORS on /mcp for browser MCP clients (plugins/external/cors.ts): the preflight allows MCP's request headers of both
 * eras, and responses expose the ones a browser client must read — on the 2025 leg and on the 2026-07-28 leg, whose
 * response the SDK writes itself.
 */
import t from 'tap'
import { startApp } from '../support/app.js'
import { INITIALIZE, MCP_HEADERS } from './helper.js'

const ORIGIN = 'http://localhost:5173'

t.test('preflight allows the MCP request headers; responses expose the MCP response headers', async (t) => {
  const { url } = await startApp(t)
  const requested = ['mcp-protocol-version', 'mcp-method', 'mcp-name', 'mcp-session-id', 'last-event-id', 'content-type']
  const preflight = await fetch(`${url}/mcp`, {
    method: 'OPTIONS',
    headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': requested.join(', ') }
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), ORIGIN)
  const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
  for (const name of requested) t.ok(allowed.includes(name), `allows ${name}`)

  const init = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, origin: ORIGIN }, body: JSON.stringify(INITIALIZE) })
  t.equal(init.status, 200)
  const exposed = (init.headers.get('access-control-expose-headers') ?? '').toLowerCase().split(/\s*,\s*/)
  for (const name of ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate', 'last-event-id']) t.ok(exposed.includes(name), `exposes ${name}`)
  await init.body?.cancel()

  const modern = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, origin: ORIGIN, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } })
  })
  t.equal(modern.status, 200)
  t.equal(modern.headers.get('access-control-allow-origin'), ORIGIN, 'CORS headers survive the hand-over to the SDK')
  await modern.body?.cancel()
})
