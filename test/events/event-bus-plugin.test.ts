import t from 'tap'
import Fastify from 'fastify'
import configPlugin from '../../plugins/config.js'
import eventBusPlugin from '../../plugins/event-bus.js'
import sseChannelsPlugin from '../../plugins/sse-channels.js'
import { testConfig } from '../../src/config.js'
import type { BusMessage } from '../../src/events/types.js'
import { DEFAULT_REDIS_CHANNEL } from '../../src/events/redis-bus.js'
import { Redis } from 'ioredis'
import { freePort, startRedis } from '../support/redis-server.js'
import { progressEvent } from '../support/sse-app.js'
import { waitFor } from '../sse/wait.js'

t.test('without REDIS_URL: an in-memory bus on fastify.bus', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(async () => { await app.close() })
  await app.register(configPlugin, { config: testConfig() })
  await app.register(eventBusPlugin)
  await app.ready()
  const got: BusMessage[] = []
  app.bus.subscribe((m) => got.push(m))
  const message: BusMessage = { clientId: null, event: progressEvent() }
  await app.bus.publish(message)
  t.same(got, [message], 'delivered synchronously in-process')
})

t.test('with REDIS_URL: a Redis bus, closed with the app', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const app = Fastify({ logger: false })
  await app.register(configPlugin, { config: testConfig({ REDIS_URL: redis.url }) })
  await app.register(eventBusPlugin)
  await app.ready()
  const got: BusMessage[] = []
  app.bus.subscribe((m) => got.push(m))
  const message: BusMessage = { clientId: 'c', event: progressEvent() }
  await app.bus.publish(message)
  await waitFor('message over Redis', () => got.length === 1)
  t.same(got, [{ ...message, seq: 0 }], 'with its number from the publisher (0: no instance knows the channel, nothing stored)')
  const observer = new Redis(redis.url)
  t.teardown(() => { observer.disconnect() })
  const ourConnections = async (): Promise<string[]> => ((await observer.client('LIST')) as string).split('\n').filter((line) => / name=chart-img-mcp-/.test(line))
  t.equal((await ourConnections()).length, 2, 'publisher and subscriber connected')
  await app.close()
  // Redis frees a client just after answering its QUIT: poll until it has (an outer bound only).
  const left = await waitFor('both Redis connections to close', async () => {
    const connections = await ourConnections()
    return connections.length === 0 ? connections : undefined
  })
  t.same(left, [], 'both Redis connections closed with the app')
  // A message another instance sends now reaches nobody here, and publishing is a quiet no-op. The positive signal
  // that it has been delivered: a live subscriber of the same channel received it (Redis sends to all at once).
  const witness = new Redis(redis.url)
  t.teardown(() => { witness.disconnect() })
  const witnessed: string[] = []
  witness.on('message', (_channel: string, text: string) => { witnessed.push(text) })
  await witness.subscribe(DEFAULT_REDIS_CHANNEL)
  await observer.publish(DEFAULT_REDIS_CHANNEL, JSON.stringify(message))
  await app.bus.publish(message)
  await waitFor('the witness to receive the message', () => witnessed.length >= 1)
  t.equal(got.length, 1, 'nothing received after close')
})

t.test('an unreachable REDIS_URL fails boot with a clear error', async (t) => {
  const port = await freePort()
  const app = Fastify({ logger: false })
  t.teardown(async () => { await app.close() })
  await app.register(configPlugin, { config: testConfig({ REDIS_URL: `redis://127.0.0.1:${port}` }) })
  await t.rejects(async () => {
    await app.register(eventBusPlugin)
    await app.ready()
  }, { message: new RegExp(`Cannot use Redis at redis://127\\.0\\.0\\.1:${port}/? for the event bus: connect ECONNREFUSED`) })
})

t.test('sse-channels without event-bus fails at boot, naming the dependency', async (t) => {
  const app = Fastify({ logger: false })
  t.teardown(async () => { await app.close() })
  await app.register(configPlugin, { config: testConfig() })
  await t.rejects(async () => {
    await app.register(sseChannelsPlugin)
    await app.ready()
  }, /event-bus/)
})
