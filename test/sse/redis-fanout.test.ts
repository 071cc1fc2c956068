import t from 'tap'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { startRedis } from '../support/redis-server.js'
import { openStream } from './stream-client.js'
import { waitFor } from './wait.js'

t.test('two instances on the Redis bus: an event published on A reaches channels on B and A exactly once', async (t) => {
  const redis = await startRedis(t, t.testdir())
  const a = await buildSseApp(t, { config: { REDIS_URL: redis.url } })
  const b = await buildSseApp(t, { config: { REDIS_URL: redis.url } })
  const onB = await openStream(t, b.eventsUrl('client-on-b'))
  const onA = await openStream(t, a.eventsUrl('client-on-a'))
  await waitFor('both connected', () => a.app.channels.clientCount === 1 && b.app.channels.clientCount === 1)

  const targeted = progressEvent({}, { status: 'rendering' })
  const broadcast = progressEvent({}, { status: 'completed' })
  const sentinel = progressEvent()
  await a.app.bus.publish({ clientId: 'client-on-b', event: targeted })
  await a.app.bus.publish({ clientId: null, event: broadcast })
  await a.app.bus.publish({ clientId: null, event: sentinel })
  // Redis keeps the order of one publisher's messages: once the sentinel arrived, anything before it has too.
  await waitFor('sentinel on B', () => onB.text().includes(sentinel.requestId))
  await waitFor('sentinel on A', () => onA.text().includes(sentinel.requestId))

  const count = (text: string, id: string): number => text.split(id).length - 1
  t.equal(count(onB.text(), targeted.requestId), 1, 'targeted event reached the channel on B exactly once')
  t.equal(count(onB.text(), broadcast.requestId), 1, 'broadcast reached B exactly once')
  t.equal(count(onA.text(), broadcast.requestId), 1, 'broadcast reached the publishing instance exactly once')
  t.equal(count(onA.text(), targeted.requestId), 0, 'the targeted event did not leak to another client')
  const received = onB.events().find((e) => e.data?.includes(targeted.requestId))
  t.equal(received?.event, 'chart_progress')
  t.same(JSON.parse(received?.data ?? ''), targeted)
})
