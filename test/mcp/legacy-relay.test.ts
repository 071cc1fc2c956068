/**
 * Stream-bound sessions across instances (REDIS_URL; src/mcp/relayed-streams.ts): two apps on one real redis-server,
 * the stream held by A and the client's POSTs sent to B — as a load balancer without stickiness does. The answer must
 * arrive on A's stream; another principal's POST, an unknown id and a closed stream's id get 404 on B.
 * Legacy HTTP+SSE (/mcp/legacy/sse + /mcp/legacy/messages) and seed 000's GET /sse + POST /sse/<id>/messages.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import type { Config } from '../../src/config.js'
import { startApp } from '../support/app.js'
import { startRedis, type RedisServer } from '../support/redis-server.js'
import { openStream, type StreamClient } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

const ALICE = 'alice-token-0123456789ab'
const BOB = 'bob-token-0123456789ab'
const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

async function startPair (t: Test): Promise<{ a: string, b: string, redis: Redis, server: RedisServer }> {
  // One fresh test directory (t.testdir() empties it when called): Redis's, A's and B's below it.
  const root = t.testdir()
  const [redisDir, dirA, dirB] = ['redis', 'a', 'b'].map((name) => join(root, name))
  for (const dir of [redisDir, dirA, dirB]) mkdirSync(dir)
  const server = await startRedis(t, redisDir)
  const config: Partial<Config> = { REDIS_URL: server.url, AUTH_TOKENS: [{ name: 'alice', token: ALICE }, { name: 'bob', token: BOB }] }
  const a = await startApp(t, { ...config, DATA_DIR: dirA })
  const b = await startApp(t, { ...config, DATA_DIR: dirB })
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  return { a: a.url, b: b.url, redis, server }
}

async function post (url: string, token: string, body: unknown): Promise<number> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...as(token) }, body: JSON.stringify(body) })
  await response.text()
  return response.status
}

/** The data of the first stream message answering JSON-RPC id `id`. */
async function answerOn (stream: StreamClient, id: number): Promise<{ result?: Record<string, unknown>, error?: unknown }> {
  const data = await waitFor(`the answer to ${id} on A's stream`, () => stream.events().map((e) => e.data ?? '').find((d) => d.includes(`"id":${id}`) && d.includes('"jsonrpc"')))
  return JSON.parse(data) as { result?: Record<string, unknown> }
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } } }

t.test('legacy HTTP+SSE: the stream on A, messages POSTed to B answered on A\'s stream; other principals and ended sessions 404', async (t) => {
  const { a, b, redis } = await startPair(t)
  const stream = await openStream(t, `${a}/mcp/legacy/sse`, as(ALICE))
  t.equal(stream.status, 200)
  const endpoint = await waitFor('the endpoint event', () => stream.events().find((e) => e.event === 'endpoint')?.data)
  const sessionId = new URL(endpoint, a).searchParams.get('sessionId') ?? ''
  const onB = `${b}${endpoint}`

  t.equal(await post(onB, ALICE, initialize), 202, 'initialize accepted on B')
  t.equal((await answerOn(stream, 1)).result?.protocolVersion, '2024-11-05', 'its answer on A\'s stream')
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', method: 'notifications/initialized' }), 202)
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', id: 2, method: 'tools/list' }), 202, 'tools/list accepted on B')
  const tools = (await answerOn(stream, 2)).result?.tools as Array<{ name: string }>
  t.ok(tools.some((tool) => tool.name === 'generate_chart'), 'the tool list on A\'s stream')
  // A tool runs as the caller: get_recent_requests answers with alice's history (the principal crossed the relay).
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_recent_requests', arguments: {} } }), 202)
  t.notOk((await answerOn(stream, 3)).result?.isError, 'a tool call relayed from B ran on A')

  t.equal(await post(onB, BOB, { jsonrpc: '2.0', id: 4, method: 'tools/list' }), 404, 'bob cannot post to alice\'s session on B')
  t.equal(await post(`${a}${endpoint}`, BOB, { jsonrpc: '2.0', id: 4, method: 'tools/list' }), 404, 'nor on A')
  t.equal(await post(`${b}/mcp/legacy/messages?sessionId=00000000-0000-4000-8000-000000000000`, ALICE, { jsonrpc: '2.0', id: 5, method: 'tools/list' }), 404, 'an unknown session is 404 on B')

  t.equal(await redis.exists(`chart-img-mcp:mcp:stream:legacy:${sessionId}`), 1, 'the open stream is recorded in Redis')
  stream.abort()
  await waitFor('the record deleted as the stream closed', async () => await redis.exists(`chart-img-mcp:mcp:stream:legacy:${sessionId}`) === 0)
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', id: 6, method: 'tools/list' }), 404, 'an ended session is 404 on B')
  t.notOk(stream.events().some((e) => e.data?.includes('"id":4') === true), 'bob\'s messages never reached the stream')
})

t.test('GET /sse: the stream on A, requests POSTed to B answered on A\'s stream; other principals and closed streams 404', async (t) => {
  const { a, b, redis } = await startPair(t)
  const stream = await openStream(t, `${a}/sse`, as(ALICE))
  t.equal(stream.status, 200)
  const messagesUrl = await waitFor('the connection message', () => {
    const data = stream.events().map((e) => e.data ?? '').find((d) => d.includes('"connection"'))
    return data === undefined ? undefined : (JSON.parse(data) as { messagesUrl: string }).messagesUrl
  })
  const streamId = messagesUrl.split('/')[2]
  const onB = `${b}${messagesUrl}`

  t.equal(await post(onB, ALICE, initialize), 202, 'initialize accepted on B')
  t.ok((await answerOn(stream, 1)).result?.protocolVersion, 'its answer on A\'s stream')
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', id: 2, method: 'tools/list' }), 202, 'tools/list accepted on B')
  t.ok(((await answerOn(stream, 2)).result?.tools as unknown[]).length > 0, 'the tool list on A\'s stream')

  t.equal(await post(onB, BOB, { jsonrpc: '2.0', id: 3, method: 'tools/list' }), 404, 'bob cannot post to alice\'s stream on B')
  t.equal(await post(`${b}/sse/AAAAAAAAAAAAAAAAAAAAAA/messages`, ALICE, { jsonrpc: '2.0', id: 4, method: 'tools/list' }), 404, 'an unknown stream is 404 on B')

  stream.abort()
  await waitFor('the record deleted as the stream closed', async () => await redis.exists(`chart-img-mcp:mcp:stream:sse:${streamId}`) === 0)
  t.equal(await post(onB, ALICE, { jsonrpc: '2.0', id: 5, method: 'tools/list' }), 404, 'a closed stream is 404 on B')
  t.notOk(stream.events().some((e) => e.data?.includes('"id":3') === true), 'bob\'s request never reached the stream')
})

t.test('Redis unreachable: a POST for a stream held elsewhere gets a clear 503, and service returns with Redis', async (t) => {
  const { a, b, server } = await startPair(t)
  const stream = await openStream(t, `${a}/mcp/legacy/sse`, as(ALICE))
  const endpoint = await waitFor('the endpoint event', () => stream.events().find((e) => e.event === 'endpoint')?.data)
  await server.stop()
  const response = await fetch(`${b}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json', ...as(ALICE) }, body: JSON.stringify(initialize) })
  t.equal(response.status, 503)
  t.match(await response.json(), { jsonrpc: '2.0', error: { message: /Session store unreachable/ } })
  t.equal(await post(`${a}${endpoint}`, ALICE, initialize), 202, 'the holder still serves its own stream')
  await answerOn(stream, 1)
  // Redis restarts empty: the holder re-writes the stream's record on its next refresh (RECORD_TTL_MS / 3).
  await server.restart()
  await waitFor('the POST on B relayed again', async () => await post(`${b}${endpoint}`, ALICE, { jsonrpc: '2.0', id: 2, method: 'tools/list' }) === 202 || undefined)
  await answerOn(stream, 2)
})
