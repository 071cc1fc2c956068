/**
 * Issue 10, "What must be shown": Redis restarts while three CLI instances serve behind nginx. No instance crashes;
 * each says `degraded` (and readiness 503) while Redis is down; full service returns by itself, with the data Redis
 * persisted (append-only file, as docker/compose.yaml runs it) and the event channels that stayed open.
 */
import t from 'tap'
import { EventSource } from 'eventsource'
import { startCluster, type Cluster } from '../support/cluster.js'
import { openStream } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

interface Health { status: number, body: { status?: string, ready?: boolean } }

async function health (url: string, path: string): Promise<Health> {
  const response = await fetch(`${url}${path}`)
  return { status: response.status, body: await response.json() as Health['body'] }
}

async function callTool (cluster: Cluster, name: string, args: Record<string, unknown>, clientId = 'redis-restart'): Promise<{ text: string, isError: boolean }> {
  const response = await fetch(`${cluster.url}/mcp/tools/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-client-id': clientId }, body: JSON.stringify(args) })
  const body = await response.json() as { isError?: boolean, content: Array<{ text: string }> }
  return { text: body.content[0].text, isError: body.isError === true }
}

/** An eventsource client on the channel through nginx, collecting (id, requestId, status). */
function listen (t: { teardown: (fn: () => void) => void }, cluster: Cluster, clientId: string): Array<{ id: string, requestId: string, status: string }> {
  const received: Array<{ id: string, requestId: string, status: string }> = []
  const source = new EventSource(`${cluster.url}/mcp/events/${clientId}`)
  source.addEventListener('chart_progress', (event) => {
    const payload = JSON.parse(event.data) as { requestId: string, data: { status: string } }
    received.push({ id: event.lastEventId, requestId: payload.requestId, status: payload.data.status })
  })
  t.teardown(() => { source.close() })
  return received
}

const requestIdOf = (text: string): string => /Request: (req_\w+)/.exec(text)?.[1] ?? ''

t.test('Redis restarts mid-run: no crash, degraded while down, full service after, persisted data kept', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const received = listen(t, cluster, 'redis-restart')
  const before = await callTool(cluster, 'generate_chart', { symbol: 'SP:SPX', range: '1M', width: 400, height: 300 })
  t.notOk(before.isError, 'a chart before the restart')
  const beforeId = requestIdOf(before.text)
  await waitFor('its completed event', () => received.some((e) => e.requestId === beforeId && e.status === 'completed'))
  const pids = cluster.instances.map((instance) => instance.pid)

  await cluster.redis.stop()
  for (const instance of cluster.instances) {
    await waitFor(`${instance.name} to say degraded`, async () => (await health(instance.url, '/mcp/health')).body.status === 'degraded')
    t.equal((await health(instance.url, '/mcp/health/ready')).status, 503, `${instance.name}: not ready while Redis is down`)
  }
  const throughNginx = await health(cluster.url, '/mcp/health')
  t.same([throughNginx.status, throughNginx.body.status], [200, 'degraded'], 'nginx still reaches a live, degraded instance')
  const during = await callTool(cluster, 'generate_chart', { symbol: 'SP:SPX', range: '1M', width: 400, height: 300 })
  t.ok(during.isError, 'a chart cannot be recorded meanwhile')
  t.match(during.text, /Redis/, `and the error says why: ${during.text.split('\n')[0]}`)

  await cluster.redis.restart()
  for (const instance of cluster.instances) {
    await waitFor(`${instance.name} to be ready again`, async () => (await health(instance.url, '/mcp/health/ready')).status === 200, 120_000)
    t.equal((await health(instance.url, '/mcp/health')).body.status, 'ok', `${instance.name}: ok again without a restart`)
  }
  t.same(cluster.instances.map((instance) => instance.pid), pids, 'no instance crashed or restarted')
  t.ok(cluster.instances.every((instance) => instance.running), 'every instance still runs')

  const after = await callTool(cluster, 'generate_chart', { symbol: 'SP:SPX', range: '1M', width: 400, height: 300 })
  t.notOk(after.isError, `charts are made again${after.isError ? `: ${after.text.split('\n')[0]}` : ''}`)
  const afterId = requestIdOf(after.text)
  await waitFor('its events on the stream that stayed open', () => received.some((e) => e.requestId === afterId && e.status === 'completed'))
  for (const requestId of [beforeId, afterId]) {
    const status = await callTool(cluster, 'get_chart_status', { requestId })
    t.notOk(status.isError, `get_chart_status ${requestId} answers (persisted in Redis)`)
  }
})

// Redis stops and comes back at once here, within the reachability probe's 1 s cache: readiness must not answer 200
// from before the outage while the instances still reconnect (src/redis/health-probe.ts), or the chart made right
// after it fails to record.
t.test('Redis restarts: a client that reconnects within the replay window misses no event', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const received = listen(t, cluster, 'replay-window')
  const first = await callTool(cluster, 'generate_chart', { symbol: 'SP:SPX', range: '1M', width: 400, height: 300 }, 'replay-window')
  const firstId = requestIdOf(first.text)
  await waitFor('the first chart\'s events', () => received.some((e) => e.requestId === firstId && e.status === 'completed'))
  await cluster.redis.stop()
  await cluster.redis.restart()
  for (const instance of cluster.instances) await waitFor(`${instance.name} ready`, async () => (await health(instance.url, '/mcp/health/ready')).status === 200, 120_000)
  const second = await callTool(cluster, 'generate_chart', { symbol: 'SP:SPX', range: '1M', width: 400, height: 300 }, 'replay-window')
  t.notOk(second.isError, `a chart after the restart${second.isError ? `: ${second.text.split('\n')[0]}` : ''}`)
  const secondId = requestIdOf(second.text)
  // A new connection resuming from the very first event, through nginx (likely another instance): everything after
  // it, across the restart, from the replay store. (Events published while Redis was down never reached the bus; a
  // stream's instance is ready again only once it hears the bus: src/redis/subscription-state.ts.)
  const resumed = await openStream(t, `${cluster.url}/mcp/events/replay-window`, { 'last-event-id': received[0].id })
  const replayed = await waitFor('the replay up to the second chart\'s end', () => {
    const events = resumed.events().filter((e) => e.event === 'chart_progress')
    return events.some((e) => e.data?.includes(secondId) && e.data.includes('"completed"')) ? events : undefined
  })
  resumed.abort()
  const ids = replayed.map((e) => e.id ?? '')
  t.equal(new Set(ids).size, ids.length, 'no event twice')
  t.same(received.slice(1).map((e) => e.id).filter((id) => !ids.includes(id)), [], 'every event the open stream got is in the replay: none lost')
  const statuses = (requestId: string): string[] => replayed.filter((e) => e.data?.includes(requestId)).map((e) => (JSON.parse(e.data ?? '{}') as { data: { status: string } }).data.status)
  t.equal(statuses(firstId).at(-1), 'completed', 'the first chart\'s end, before the restart')
  t.same([statuses(secondId)[0], statuses(secondId).at(-1)], ['started', 'completed'], 'the second chart from start to end, after it')
})
