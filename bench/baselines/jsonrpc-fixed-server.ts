/**
 * Baseline: the least a server can do for POST /mcp/tools/list — plain node:http, read the body, answer a payload
 * serialised once at start-up. Our route does the same job plus JSON-RPC validation and a real McpServer dispatch.
 */
import { createServer } from 'node:http'

const payload = process.env.PAYLOAD ?? '{}'
const server = createServer((request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    let id: unknown = null
    try {
      id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown }).id
    } catch {
      // The readiness probe is a GET with no body.
    }
    const body = payload.replace('"id":0', `"id":${JSON.stringify(id)}`)
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    response.end(body)
  })
})
server.listen(Number(process.env.PORT), '127.0.0.1')
process.once('SIGTERM', () => { server.close(); process.exit(0) })
