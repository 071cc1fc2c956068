/**
 * An instance's liveness key (src/redis/instance-liveness.ts) on a real redis-server: written at start with a TTL of
 * three periods, kept alive while refreshed, gone within that TTL once refreshing stops without a goodbye (the
 * instance was killed), deleted by a clean close, and written again as soon as Redis comes back empty after a restart.
 */
import { Redis } from 'ioredis'
import t from 'tap'
import { InstanceLiveness, newInstanceId } from '../../src/redis/instance-liveness.js'
import { closeRedisConnection, openRedisConnection } from '../../src/redis/connection.js'
import { silentLogger } from '../support/logger.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'

const PREFIX = 'live-test:'

t.test('the liveness key lives while refreshed, expires when the instance dies, goes on close', async (t) => {
  const server = await startRedis(t, t.testdir())
  const inspect = new Redis(server.url)
  t.teardown(() => { inspect.disconnect() })
  t.match(newInstanceId(), /^[0-9a-f]{12}$/, 'ids are 12 hex digits')

  const redis = openRedisConnection({ url: server.url, name: 'live', log: silentLogger })
  t.teardown(async () => { await closeRedisConnection(redis) })
  const liveness = new InstanceLiveness({ redis, keyPrefix: PREFIX, periodMs: 100, log: silentLogger })
  t.equal(liveness.ttlMs, 300)
  t.equal(liveness.keyOf(liveness.id), `${PREFIX}instance:${liveness.id}`)
  liveness.start()
  const key = liveness.keyOf(liveness.id)
  await waitFor('the key written', async () => await inspect.exists(key) === 1)
  const ttl = await inspect.pttl(key)
  t.ok(ttl > 0 && ttl <= 300, `it expires on its own (${ttl} ms left)`)
  // Refreshed: after several TTLs' worth of refreshes the key is still there. Counted by refreshes, not by time.
  let seen = 0
  let last = await inspect.pttl(key)
  await waitFor('ten refreshes', async () => {
    const now = await inspect.pttl(key)
    if (now > last) seen++
    last = now
    return seen >= 10
  })
  t.equal(await inspect.exists(key), 1, 'still alive after ten refreshes')

  // Redis restarts empty: the key is written again on reconnection.
  await server.restart()
  await waitFor('the key written again after the restart', async () => await inspect.exists(key).catch(() => 0) === 1, 30_000)

  await liveness.close()
  t.equal(await inspect.exists(key), 0, 'a clean close deletes it')

  // A killed instance: refreshing stops without a goodbye, and the key expires by itself.
  const dying = openRedisConnection({ url: server.url, name: 'dying', log: silentLogger })
  const killed = new InstanceLiveness({ redis: dying, keyPrefix: PREFIX, periodMs: 100, log: silentLogger })
  killed.start()
  await waitFor('its key', async () => await inspect.exists(killed.keyOf(killed.id)) === 1)
  dying.disconnect()
  await waitFor('its key to expire', async () => await inspect.exists(killed.keyOf(killed.id)) === 0)
  await killed.close()
})
