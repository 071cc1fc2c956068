/**
 * Issue 10, "What must be shown": per-client event channels (`GET /mcp/events/<clientId>`) behind nginx with three
 * CLI instances on their own network namespaces. A real `eventsource` client reads through nginx while the tool
 * calls land on other instances; then the instance holding its stream is killed with SIGKILL in the middle of a
 * 20-chart burst, and the client's own reconnection (Last-Event-ID, through nginx, to a survivor) must end with
 * every event exactly once, as the server's replay store has them.
 */
import t from 'tap'
import { EventSource } from 'eventsource'
import { startCluster, type Cluster } from '../support/cluster.js'
import { openStream } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

interface Received {
  id: string
  requestId: string
  status: string
}

interface Reader {
  received: Received[]
  /** The instance of each stream the client opened, in order. */
  streams: string[]
  close: () => void
}

/** An `eventsource` client on nginx's URL of the channel, recording its events and where each stream landed. */
function readChannel (t: { teardown: (fn: () => void) => void }, cluster: Cluster, clientId: string): Reader {
  const received: Received[] = []
  const streams: string[] = []
  const source = new EventSource(`${cluster.url}/mcp/events/${clientId}`, {
    fetch: async (input, init) => {
      const response = await fetch(input, init)
      streams.push(cluster.instanceOf(response.headers)?.name ?? '?')
      return response
    }
  })
  source.addEventListener('chart_progress', (event) => {
    const payload = JSON.parse(event.data) as { requestId: string, data: { status: string } }
    received.push({ id: event.lastEventId, requestId: payload.requestId, status: payload.data.status })
  })
  t.teardown(() => { source.close() })
  return { received, streams, close: () => { source.close() } }
}

interface Call {
  status: number
  instance: string
  requestId?: string
}

/** A chart through nginx (REST), its events sent to `clientId`'s channel. */
async function makeChart (cluster: Cluster, clientId: string, i: number): Promise<Call> {
  try {
    const response = await fetch(`${cluster.url}/mcp/tools/generate_chart`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-client-id': clientId },
      body: JSON.stringify({ symbol: 'SP:SPX', interval: '1D', range: { from: '2010-01-01', to: `2019-01-${String(1 + (i % 28)).padStart(2, '0')}` }, width: 640, height: 400 })
    })
    const text = await response.text()
    return { status: response.status, instance: cluster.instanceOf(response.headers)?.name ?? '?', requestId: /Request: (req_\w+)/.exec(text)?.[1] }
  } catch {
    return { status: 0, instance: '?' }
  }
}

const finished = (received: Received[], requestId: string): boolean => received.some((e) => e.requestId === requestId && (e.status === 'completed' || e.status === 'failed'))

t.test('an eventsource client reads its channel through nginx while its calls land on other instances', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const reader = readChannel(t, cluster, 'reader-elsewhere')
  await waitFor('the stream', () => reader.streams.length === 1)
  const calls: Call[] = []
  // least_conn takes turns between instances: three calls in a row cannot all land on the stream's instance.
  for (let i = 0; i < 3; i++) calls.push(await makeChart(cluster, 'reader-elsewhere', i))
  for (const call of calls) {
    t.equal(call.status, 200, `chart made on ${call.instance}`)
    await waitFor(`the events of ${String(call.requestId)}`, () => finished(reader.received, call.requestId ?? ''))
  }
  t.ok(calls.some((call) => call.instance !== reader.streams[0]), `the stream is on ${reader.streams[0]}, calls on ${calls.map((c) => c.instance).join(', ')}`)
})

t.test('SIGKILL of the instance holding the stream mid-burst: the client resumes through nginx, every event exactly once', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const clientId = 'burst-reader'
  const reader = readChannel(t, cluster, clientId)
  await waitFor('the stream', () => reader.streams.length === 1)
  const holder = cluster.instances.find((instance) => instance.name === reader.streams[0])
  if (holder === undefined) throw new Error(`the stream landed on an unknown instance: ${reader.streams[0]}`)

  const burst = Promise.all(Array.from({ length: 20 }, async (_, i) => await makeChart(cluster, clientId, i)))
  // Mid-burst: some charts have started, and the stream is still open on its instance.
  await waitFor('five charts started', () => new Set(reader.received.map((e) => e.requestId)).size >= 5)
  await holder.kill('SIGKILL')
  t.comment(`killed ${holder.name} (stream holder) after ${reader.received.length} events`)
  await waitFor('the client to reconnect through nginx', () => reader.streams.length >= 2, 120_000)
  t.not(reader.streams[1], holder.name, `reconnected to ${reader.streams[1]}, a survivor`)

  const calls = await burst
  const made = calls.filter((call) => call.status === 200 && call.requestId !== undefined)
  t.ok(made.length >= 1, `${made.length} of 20 charts made by the survivors (the others died with ${holder.name})`)
  for (const call of made) await waitFor(`the events of ${String(call.requestId)}`, () => finished(reader.received, call.requestId ?? ''))

  const ids = reader.received.map((e) => e.id)
  t.equal(new Set(ids).size, ids.length, `no event twice (${ids.length} events)`)
  for (const call of made) {
    const statuses = reader.received.filter((e) => e.requestId === call.requestId).map((e) => e.status)
    t.equal(statuses[0], 'started', `${String(call.requestId)}: from its start`)
    t.equal(statuses.at(-1), 'completed', `${String(call.requestId)}: to its end`)
  }
  // What the server's replay store holds after the first event, read by a second client: the same events, in order.
  const check = await openStream(t, `${cluster.url}/mcp/events/${clientId}`, { 'last-event-id': ids[0] })
  const replayed = await waitFor('the replay up to the last event the client saw', () => {
    const events = check.events().filter((e) => e.event === 'chart_progress').map((e) => e.id ?? '')
    return events.includes(ids.at(-1) ?? '') ? events : undefined
  })
  check.abort()
  t.same(ids.slice(1), replayed.slice(0, replayed.indexOf(ids.at(-1) ?? '') + 1), 'every event the store has, exactly once, 0 lost, 0 duplicated')

  // Every request the client heard of answers on the survivors (history in Redis).
  const requestIds = new Set([...reader.received.map((e) => e.requestId), ...made.map((c) => c.requestId ?? '')])
  for (const requestId of requestIds) {
    const response = await fetch(`${cluster.url}/mcp/tools/get_chart_status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestId }) })
    const body = await response.json() as { isError?: boolean, content: Array<{ text: string }> }
    const status = /"status":\s*"(\w+)"/.exec(body.content[0].text)?.[1]
    t.notOk(body.isError, `get_chart_status ${requestId} answers on ${cluster.instanceOf(response.headers)?.name ?? '?'}: ${String(status)}`)
  }
})
