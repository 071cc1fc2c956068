/**
 * The cluster helper itself (test/support/cluster.ts): three CLI instances behind docker/nginx.conf with one Redis.
 * nginx spreads requests over every instance (no hashing), skips an instance that was killed, and uses it again once
 * restarted; every instance keeps answering while Redis restarts.
 */
import t from 'tap'
import { startCluster } from '../support/cluster.js'
import { waitFor } from '../sse/wait.js'

t.test('nginx spreads requests over all instances, skips a dead one, takes it back after restart', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  t.comment(`network: ${cluster.network}`)
  /** Which instance served a health request through nginx ('failed' for anything but a 200). */
  const served = async (): Promise<string> => {
    const response = await fetch(`${cluster.url}/mcp/health`)
    await response.body?.cancel()
    return response.status === 200 ? cluster.instanceOf(response.headers)?.name ?? '?' : 'failed'
  }
  const names = new Set<string>()
  for (let i = 0; i < 6; i++) names.add(await served())
  t.same([...names].sort(), ['A', 'B', 'C'], 'every instance served some of six sequential requests')
  for (const instance of cluster.instances) {
    const direct = await fetch(`${instance.url}/mcp/health`)
    t.equal(direct.status, 200, `${instance.name} answers directly at ${instance.address}`)
    await direct.body?.cancel()
  }

  const [a] = cluster.instances
  const pid = a.pid
  await a.kill('SIGKILL')
  t.notOk(a.running, 'A was killed')
  const afterKill = await Promise.all(Array.from({ length: 6 }, served))
  t.ok(afterKill.every((name) => name === 'B' || name === 'C'), `A dead: every request is served by B or C (${afterKill.join(' ')})`)

  await a.restart()
  t.not(a.pid, pid, 'A runs again as a new process')
  // nginx retries a failed server after fail_timeout (10 s by default): wait for it to be picked again.
  await waitFor('nginx to send a request to A again', async () => (await served()) === 'A', 120_000)
})

t.test('the redis server restarts on the same address with its data (appendonly)', async (t) => {
  const cluster = await startCluster(t, { instances: 1 })
  const { Redis } = await import('ioredis')
  const client = new Redis(cluster.redis.url, { lazyConnect: true, maxRetriesPerRequest: null })
  t.teardown(() => { client.disconnect() })
  await client.connect()
  await client.set('cluster-test', 'kept')
  await cluster.redis.stop()
  await cluster.redis.restart()
  t.equal(await client.get('cluster-test'), 'kept', 'the value survived the restart, read over the reconnected client')
  const health = await fetch(`${cluster.url}/mcp/health`)
  t.equal(health.status, 200, 'the instance still answers')
})
