/**
 * The reachability probe behind /mcp/health and /mcp/health/ready (src/redis/health-probe.ts) against a real
 * redis-server: its cache (an hour here, so it would certainly still hold) never keeps saying "reachable" while the
 * connection is down, and never keeps saying "unreachable" once it is back.
 */
import { once } from 'node:events'
import t from 'tap'
import { closeRedisConnection, openRedisConnection } from '../../src/redis/connection.js'
import { RedisHealthProbe } from '../../src/redis/health-probe.js'
import { startRedis } from '../support/redis-server.js'

const quiet = { warn: () => {} }

t.test('a cached answer does not outlive the connection it was measured on', async (t) => {
  const server = await startRedis(t, t.testdir())
  const redis = openRedisConnection({ url: server.url, name: 'probe-test', log: quiet, failFast: true })
  t.teardown(async () => { await closeRedisConnection(redis, 200) })
  if (redis.status !== 'ready') await once(redis, 'ready')
  const probe = new RedisHealthProbe(redis, { url: server.url, cacheMs: 3_600_000 })

  const first = await probe.check()
  t.equal(first.reachable, true, 'reachable while Redis runs')
  t.type(first.latencyMs, 'number', 'with its round-trip')
  t.equal(probe.lastProblem, null)

  const closed = once(redis, 'close')
  await server.stop()
  await closed
  const down = await probe.check()
  t.equal(down.reachable, false, 'unreachable as soon as the connection is down, though the cache is fresh')
  t.match(down.problem, /unreachable \(not connected/)
  t.match(probe.lastProblem, /unreachable/, 'lastProblem says so too')

  const ready = once(redis, 'ready')
  await server.restart()
  await ready
  const back = await probe.check()
  t.equal(back.reachable, true, 'reachable again once reconnected: the outage is not remembered')
  t.equal(probe.lastProblem, null)
})
