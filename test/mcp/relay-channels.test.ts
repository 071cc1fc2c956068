/**
 * The MCP session relay (src/mcp/session-relay.ts) addresses instances: a message with a target (`to`) goes on that
 * instance's own channel, which only it subscribes to; only what concerns every instance goes on the shared channel.
 * Counted on real redis-servers: three relays side by side, then two apps with a legacy HTTP+SSE stream on A and its
 * POSTs sent to B, watched by a pattern subscriber.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import type { JSONRPCMessage } from '@modelcontextprotocol/server'
import { SessionRelay, type RelayMessage } from '../../src/mcp/session-relay.js'
import { startApp } from '../support/app.js'
import { silentLogger } from '../support/logger.js'
import { startRedis } from '../support/redis-server.js'
import { openStream } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

const PREFIX = 'relay-test:'
const answer: JSONRPCMessage = { jsonrpc: '2.0', id: 'x', result: {} }

t.test('three relays: each gets the messages addressed to it and the shared ones, never another instance\'s', async (t) => {
  const server = await startRedis(t, t.testdir())
  const publisher = new Redis(server.url)
  t.teardown(() => { publisher.disconnect() })
  const received = new Map<string, RelayMessage[]>()
  const relays = new Map<string, SessionRelay>()
  for (const instance of ['aaaaaaaaaaaa', 'bbbbbbbbbbbb', 'cccccccccccc']) {
    const subscriber = new Redis(server.url)
    t.teardown(() => { subscriber.disconnect() })
    const relay = new SessionRelay({ publisher, subscriber, keyPrefix: PREFIX, instance, log: silentLogger })
    const messages: RelayMessage[] = []
    received.set(instance, messages)
    relays.set(instance, relay)
    await relay.start((message) => { messages.push(message) })
  }
  const a = relays.get('aaaaaaaaaaaa') as SessionRelay
  for (let i = 0; i < 5; i++) a.publish({ kind: 'response', session: `s${i}`, to: 'bbbbbbbbbbbb', message: answer })
  for (let i = 0; i < 3; i++) a.publish({ kind: 'post', session: `p${i}`, surface: 'legacy', to: 'cccccccccccc', body: {}, principal: null })
  a.publish({ kind: 'standalone', session: 'g0', to: 'cccccccccccc', eventId: '_GET_stream_1-0', message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } } })
  a.publish({ kind: 'subscription', session: 'g0', to: 'bbbbbbbbbbbb', uri: 'chart://requests/req_1_aa', subscribed: true })
  a.publish({ kind: 'holder', session: 'g0', instance: 'cccccccccccc' })
  a.publish({ kind: 'cancelled', session: 'c0', from: 'aaaaaaaaaaaa', message: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } } })
  // Last, on the shared channel: once every relay has it, each has had everything published before it (Redis
  // delivers one connection's messages in publish order).
  a.publish({ kind: 'ended', session: 'last' })
  for (const [instance, messages] of received) await waitFor(`${instance} to hear the last message`, () => messages.some((m) => m.kind === 'ended'))

  const kinds = (instance: string): string[] => (received.get(instance) ?? []).map((m) => m.kind)
  const shared = ['holder', 'cancelled', 'ended']
  t.same(kinds('aaaaaaaaaaaa'), shared, 'A: only the shared messages')
  t.same(kinds('bbbbbbbbbbbb'), ['response', 'response', 'response', 'response', 'response', 'subscription', ...shared], 'B: its 5 answers, its subscription and the shared messages')
  t.same(kinds('cccccccccccc'), ['post', 'post', 'post', 'standalone', ...shared], 'C: its 3 POSTs, its GET stream event and the shared messages')
})

t.test('two apps: the POSTs B relays for A\'s legacy stream travel on A\'s channel only', async (t) => {
  const root = t.testdir()
  const [redisDir, dirA, dirB] = ['redis', 'a', 'b'].map((name) => join(root, name))
  for (const dir of [redisDir, dirA, dirB]) mkdirSync(dir)
  const server = await startRedis(t, redisDir)
  const a = await startApp(t, { REDIS_URL: server.url, DATA_DIR: dirA })
  const b = await startApp(t, { REDIS_URL: server.url, DATA_DIR: dirB })
  const idA = a.app.core.shared?.liveness.id ?? ''
  const idB = b.app.core.shared?.liveness.id ?? ''
  t.match(idA, /^[0-9a-f]{12}$/)
  t.not(idA, idB, 'each app has an instance id of its own')

  const inspect = new Redis(server.url)
  t.teardown(() => { inspect.disconnect() })
  const [, subscribersA, , subscribersB] = await inspect.pubsub('NUMSUB', `chart-img-mcp:mcp:relay:${idA}`, `chart-img-mcp:mcp:relay:${idB}`) as [string, number, string, number]
  t.equal(subscribersA, 1, 'A\'s relay channel (named by the id of its history and liveness key) has one subscriber: A')
  t.equal(subscribersB, 1, 'and B\'s has B')

  const watcher = new Redis(server.url)
  t.teardown(() => { watcher.disconnect() })
  const published: string[] = []
  watcher.on('pmessage', (_pattern: string, channel: string) => { published.push(channel) })
  await watcher.psubscribe('chart-img-mcp:mcp:relay*')

  const stream = await openStream(t, `${a.url}/mcp/legacy/sse`)
  const endpoint = await waitFor('the endpoint event', () => stream.events().find((e) => e.event === 'endpoint')?.data)
  const send = async (body: unknown): Promise<number> => {
    const response = await fetch(`${b.url}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    await response.text()
    return response.status
  }
  t.equal(await send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'legacy', version: '1' } } }), 202)
  t.equal(await send({ jsonrpc: '2.0', method: 'notifications/initialized' }), 202)
  for (let id = 2; id <= 4; id++) t.equal(await send({ jsonrpc: '2.0', id, method: 'tools/list' }), 202)
  await waitFor('the last answer on A\'s stream', () => stream.events().some((e) => e.data?.includes('"id":4') === true))
  await waitFor('the watcher to see the five POSTs', () => published.length >= 5)
  t.same(published, Array(5).fill(`chart-img-mcp:mcp:relay:${idA}`), 'five relayed POSTs, each on A\'s channel: none on the shared channel, none on B\'s')
  stream.abort()
})
