/**
 * The older session transports behind nginx without stickiness (docker/nginx.conf no longer pins a client to an
 * instance): a legacy HTTP+SSE (2024-11-05) client holds its stream on one instance and POSTs its messages through
 * nginx, which sends them to any instance; every message must be answered on the stream. The same for GET /sse.
 */
import t from 'tap'
import { startCluster } from '../support/cluster.js'
import { openStream } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

t.test('legacy HTTP+SSE through nginx: the stream on one instance, messages answered whichever instance gets the POST', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const stream = await openStream(t, `${cluster.url}/mcp/legacy/sse`)
  const holder = cluster.instanceOf(stream.headers)?.name
  const endpoint = await waitFor('the endpoint event', () => stream.events().find((e) => e.event === 'endpoint')?.data)
  const posts: string[] = []
  const landed: Array<string | undefined> = []
  for (let id = 1; id <= 3; id++) {
    const body = id === 1
      ? { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } } }
      : { jsonrpc: '2.0', id, method: 'tools/list' }
    const response = await fetch(new URL(endpoint, cluster.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    await response.body?.cancel()
    landed.push(cluster.instanceOf(response.headers)?.name)
    posts.push(`${response.status} on ${landed.at(-1) ?? '?'}`)
    t.equal(response.status, 202, `message ${id} accepted (${posts.at(-1) ?? ''}; stream on ${String(holder)})`)
    await waitFor(`the answer to ${id} on the stream`, () => stream.events().some((e) => e.event === 'message' && e.data?.includes(`"id":${id}`)))
  }
  // Only named instances count: a missing header must not pass for "another instance".
  t.ok(holder !== undefined && landed.some((name) => name !== undefined && name !== holder), `some POSTs landed away from the stream's instance ${String(holder)} (${posts.join(', ')})`)
})

t.test('GET /sse through nginx: the stream on one instance, requests answered whichever instance gets the POST', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  const stream = await openStream(t, `${cluster.url}/sse`)
  const holder = cluster.instanceOf(stream.headers)?.name
  const messagesUrl = await waitFor('the connection message', () => {
    const data = stream.events().map((e) => e.data ?? '').find((d) => d.includes('"connection"'))
    return data === undefined ? undefined : (JSON.parse(data) as { messagesUrl: string }).messagesUrl
  })
  const posts: string[] = []
  const landed: Array<string | undefined> = []
  for (let id = 1; id <= 3; id++) {
    const response = await fetch(new URL(messagesUrl, cluster.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/list' }) })
    await response.body?.cancel()
    landed.push(cluster.instanceOf(response.headers)?.name)
    posts.push(`${response.status} on ${landed.at(-1) ?? '?'}`)
    t.equal(response.status, 202, `request ${id} accepted (${posts.at(-1) ?? ''}; stream on ${String(holder)})`)
    await waitFor(`the answer to ${id} on the stream`, () => stream.events().some((e) => e.data?.includes(`"id":${id}`)))
  }
  // Only named instances count: a missing header must not pass for "another instance".
  t.ok(holder !== undefined && landed.some((name) => name !== undefined && name !== holder), `some POSTs landed away from the stream's instance ${String(holder)} (${posts.join(', ')})`)
})
