/**
 * Baseline for bench/fanout.ts: the least an SSE fan-out server can do — plain node:http, a Map of responses,
 * one pre-serialised Buffer written to each. Same routes, headers, first event and IPC control as ours, no
 * validation, limits, replay, backpressure handling or timers.
 */
import { createServer, type ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { benchEvent, memoryStats, type FromServer, type ToServer } from '../fanout-protocol.js'

const send = (message: FromServer): void => { process.send?.(message) }
const clients = new Map<string, ServerResponse>()
let seq = 0

const server = createServer((request, response) => {
  const match = /^\/mcp\/events\/([A-Za-z0-9_-]{1,128})$/.exec(request.url ?? '')
  if (match === null) {
    response.writeHead(400).end()
    return
  }
  const clientId = match[1]
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' })
  response.write(`id: ${++seq}\nevent: connected\ndata: ${JSON.stringify({ type: 'connected', clientId, timestamp: new Date().toISOString() })}\n\n`)
  clients.get(clientId)?.end()
  clients.set(clientId, response)
  response.on('close', () => { if (clients.get(clientId) === response) clients.delete(clientId) })
})

process.on('message', (message: ToServer) => {
  if (message.type === 'publish') {
    const start = performance.now()
    const frame = Buffer.from(`id: ${++seq}\nevent: chart_progress\ndata: ${JSON.stringify(benchEvent(message.round))}\n\n`)
    for (const response of clients.values()) response.write(frame)
    send({ type: 'published', round: message.round, loopMs: performance.now() - start })
  } else if (message.type === 'stats') {
    send(memoryStats(clients.size))
  }
})
process.once('disconnect', () => { server.closeAllConnections(); server.close(); process.exit(0) })
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  const address = server.address()
  send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 })
})
