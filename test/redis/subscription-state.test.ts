/**
 * src/redis/subscription-state.ts against a real redis-server: a subscriber says it is not listening from the moment
 * its connection drops, and says it is listening again only when Redis counts it among every channel's subscribers.
 */
import { once } from 'node:events'
import t from 'tap'
import { Redis } from 'ioredis'
import { closeRedisConnection, openRedisConnection } from '../../src/redis/connection.js'
import { trackSubscription } from '../../src/redis/subscription-state.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'

t.test('not listening while reconnecting; listening again only once every channel is subscribed', async (t) => {
  const server = await startRedis(t, t.testdir())
  const subscriber = openRedisConnection({ url: server.url, name: 'subscription-test', log: { warn: () => {} } })
  t.teardown(async () => { await closeRedisConnection(subscriber, 200) })
  const channels = ['test:one', 'test:two']
  await subscriber.subscribe(...channels)
  const state = trackSubscription(subscriber, channels, 'the test relay')
  t.equal(state.problem(), null, 'listening after the first SUBSCRIBE')

  const closed = once(subscriber, 'close')
  await server.stop()
  await closed
  t.match(state.problem(), /^the test relay is not subscribed to Redis yet \(reconnecting\)/, 'not listening from the moment the connection drops')

  // At the moment ioredis says `ready` its re-SUBSCRIBE is not acknowledged yet: not listening then.
  let atReady: string | null | undefined
  subscriber.once('ready', () => { atReady = state.problem() })
  await server.restart()
  await waitFor('listening again', () => state.problem() === null, 30_000)
  t.match(atReady, /not subscribed/, 'not listening yet when ioredis says ready')
  const publisher = new Redis(server.url)
  t.teardown(() => { publisher.disconnect() })
  for (const channel of channels) t.equal(await publisher.publish(channel, 'x'), 1, `${channel}: Redis already counts the subscriber`)
})
