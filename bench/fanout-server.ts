/**
 * Our side of bench/fanout.ts: the SSE channels exactly as the app serves them (config → native-memory → event-bus
 * (memory) → sse-channels → routes/events.ts, @fastify/sse at the root), in a child process controlled over IPC. A `publish`
 * goes through the real path: bus.publish → registry → one encoded frame → every stream.
 */
import { performance } from 'node:perf_hooks'
import Fastify from 'fastify'
import { fastifySSE } from '@fastify/sse'
import configPlugin from '../plugins/config.js'
import eventBusPlugin from '../plugins/event-bus.js'
import nativeMemoryPlugin from '../plugins/native-memory.js'
import sseChannelsPlugin from '../plugins/sse-channels.js'
import eventsRoutes from '../routes/events.js'
import { testConfig } from '../src/config.js'
import { benchEvent, memoryStats, type FromServer, type ToServer } from './fanout-protocol.js'

const send = (message: FromServer): void => { process.send?.(message) }

const app = Fastify({ logger: false, routerOptions: { maxParamLength: 256 }, forceCloseConnections: true })
await app.register(fastifySSE, { heartbeatInterval: 0 })
await app.register(configPlugin, {
  config: testConfig({
    MAX_SSE_CLIENTS: Number(process.env.MAX_SSE_CLIENTS ?? 10_000),
    // Every bench client comes from one address, i.e. one anonymous principal: lift the per-principal channel quota.
    SSE_CHANNELS_PER_PRINCIPAL: 1_000_000,
    // Long intervals so no heartbeat or keep-alive tick lands inside a measured round (the baseline has none).
    HEARTBEAT_MS: 3_600_000,
    KEEPALIVE_MS: 300_000
  })
})
await app.register(nativeMemoryPlugin)
await app.register(eventBusPlugin)
await app.register(sseChannelsPlugin)
await app.register(eventsRoutes)
await app.listen({ host: '127.0.0.1', port: 0, backlog: 4096 })

process.on('message', (message: ToServer) => {
  if (message.type === 'stats') {
    send(memoryStats(app.channels.clientCount))
    return
  }
  // The memory bus delivers synchronously inside publish(): this times the whole fan-out loop.
  const start = performance.now()
  const delivered = app.bus.publish({ clientId: null, event: benchEvent(message.round) })
  send({ type: 'published', round: message.round, loopMs: performance.now() - start })
  delivered.catch((err: unknown) => { console.error(err) })
})
process.once('disconnect', () => {
  app.close().then(() => process.exit(0), (err: unknown) => { console.error(err); process.exit(1) })
})
const address = app.server.address()
send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 })
