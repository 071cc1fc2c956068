/**
 * Baseline (b): the least a server can do for a JSON-RPC POST — plain node:http, read the body, answer a payload
 * serialised once at start-up with the request's id. No MCP, no session, no validation.
 *   PORT=… PAYLOAD='{"jsonrpc":"2.0","id":0,"result":…}' node --import tsx bench/baselines/mcp-echo-server.ts
 */
import { createServer } from 'node:http'

const payload = process.env.PAYLOAD ?? '{"jsonrpc":"2.0","id":0,"result":{}}'
const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown }).id
    const body = payload.replace('"id":0', `"id":${JSON.stringify(id)}`)
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => { server.close(); process.exit(0) })
