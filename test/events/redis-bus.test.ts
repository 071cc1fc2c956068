import t from 'tap'
import { Redis } from 'ioredis'
import { createRedisBus, DEFAULT_REDIS_CHANNEL } from '../../src/events/redis-bus.js'
import { redactRedisUrl } from '../../src/redis/connection.js'
import type { BusMessage } from '../../src/events/types.js'
import { freePort, startRedis } from '../support/redis-server.js'
import { progressEvent } from '../support/sse-app.js'
import { waitFor } from '../sse/wait.js'

function recordingLog () {
  const warnings: Array<Record<string, unknown>> = []
  const errors: unknown[] = []
  return {
    warnings,
    errors,
    log: { debug () {}, info () {}, warn (obj: Record<string, unknown>) { warnings.push(obj) }, error (obj: unknown) { errors.push(obj) } }
  }
}

t.test('Redis bus across two instances: delivered exactly once on each', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const channel = `test:${process.pid}`
  const { log } = recordingLog()
  const a = await createRedisBus({ url: redis.url, log, channel })
  const b = await createRedisBus({ url: redis.url, log, channel })
  t.teardown(async () => { await a.close(); await b.close() })
  const onA: BusMessage[] = []
  const onB: BusMessage[] = []
  a.subscribe((m) => onA.push(m))
  b.subscribe((m) => onB.push(m))

  const first: BusMessage = { clientId: 'c1', event: progressEvent({ processingTime: 12 }, { status: 'completed', imageUrl: 'http://x/c.png' }) }
  const sentinel: BusMessage = { clientId: null, event: progressEvent() }
  await a.publish(first)
  await a.publish(sentinel) // same connection, same channel: Redis keeps the order, so once it is here, so is `first`
  await waitFor('sentinel on both', () => onA.length >= 2 && onB.length >= 2)
  t.same(onB, [first, sentinel], 'instance B: exactly once, in order, intact')
  t.same(onA, [first, sentinel], 'instance A (the publisher): exactly once too')
})

t.test('malformed messages on the channel are logged and dropped; listeners keep working', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const { log, warnings } = recordingLog()
  const bus = await createRedisBus({ url: redis.url, log })
  const raw = new Redis(redis.url)
  t.teardown(async () => { raw.disconnect(); await bus.close() })
  const got: BusMessage[] = []
  bus.subscribe((m) => got.push(m))
  bus.subscribe(() => { throw new Error('a broken listener') })
  await raw.publish(DEFAULT_REDIS_CHANNEL, 'not json')
  await raw.publish(DEFAULT_REDIS_CHANNEL, JSON.stringify({ clientId: 1, event: { type: 'other' } }))
  const good: BusMessage = { clientId: 'x', event: progressEvent() }
  await raw.publish(DEFAULT_REDIS_CHANNEL, JSON.stringify(good))
  await waitFor('good message', () => got.length === 1)
  t.same(got, [good])
  t.equal(warnings.length, 2)
  t.match(warnings[0], { error: 'not JSON' })
  t.match(String(warnings[1].error), /clientId/)
})

t.test('close is idempotent; publish after close resolves and sends nothing', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const { log } = recordingLog()
  const bus = await createRedisBus({ url: redis.url, log })
  const watcher = await createRedisBus({ url: redis.url, log })
  t.teardown(async () => { await watcher.close() })
  const seen: BusMessage[] = []
  watcher.subscribe((m) => seen.push(m))
  await Promise.all([bus.close(), bus.close()])
  await bus.close()
  await t.resolves(bus.publish({ clientId: null, event: progressEvent() }))
  const marker: BusMessage = { clientId: null, event: progressEvent() }
  await watcher.publish(marker)
  await waitFor('marker', () => seen.length > 0)
  t.same(seen, [marker], 'the closed bus published nothing')
})

t.test('an unreachable Redis fails boot with an actionable error that hides credentials', async (t) => {
  const port = await freePort() // nothing listens there
  const { log } = recordingLog()
  const url = `redis://user:s3cret-password@127.0.0.1:${port}`
  const error = await createRedisBus({ url, log }).then(() => null, (err: Error) => err)
  t.ok(error instanceof Error)
  t.match(error?.message, new RegExp(`Cannot use Redis at redis://127\\.0\\.0\\.1:${port}/? for the event bus: connect ECONNREFUSED`))
  t.notMatch(error?.message, /s3cret/)
  t.equal(redactRedisUrl('rediss://:pw@h:1/0'), 'rediss://h:1/0')
})

t.test('Redis going away: publish logs and resolves instead of failing the chart', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const { log, warnings } = recordingLog()
  const bus = await createRedisBus({ url: redis.url, log })
  t.teardown(async () => { await bus.close() })
  await redis.stop()
  await t.resolves(bus.publish({ clientId: null, event: progressEvent() }))
  t.ok(warnings.some((w) => w.requestId !== undefined && typeof w.err === 'string'), 'the failed publish was logged')
})

t.test('a Redis restart: the bus says so while it is not subscribed, and once it says subscribed it hears everything', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const channel = `test:${process.pid}:restart`
  const { log } = recordingLog()
  const bus = await createRedisBus({ url: redis.url, log, channel })
  t.teardown(async () => { await bus.close() })
  const heard: BusMessage[] = []
  bus.subscribe((m) => heard.push(m))
  t.equal(bus.problem?.(), null, 'subscribed after boot')

  await redis.stop()
  await waitFor('the bus to notice', () => bus.problem?.() !== null)
  t.match(bus.problem?.(), /^the event bus is not subscribed to Redis yet/, 'a reason readiness can show')

  await redis.restart()
  await waitFor('the bus to say subscribed again', () => bus.problem?.() === null, 30_000)
  // The moment it says so, Redis already counts it among the channel's subscribers: nothing published now is lost.
  const publisher = new Redis(redis.url)
  t.teardown(() => { publisher.disconnect() })
  const message: BusMessage = { clientId: 'c1', event: progressEvent() }
  t.equal(await publisher.publish(channel, JSON.stringify(message)), 1, 'one subscriber (this bus) received it')
  await waitFor('the message', () => heard.length === 1)
  t.same(heard, [message])
})
