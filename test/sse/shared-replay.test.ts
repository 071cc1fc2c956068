/**
 * Channel replay buffers in Redis Streams (REDIS_URL, src/sse/redis-channel-log.ts): two instances on one real
 * redis-server; a client reads `/mcp/events/<id>` on A, disconnects, reconnects with Last-Event-ID to B and gets
 * exactly what it missed, under the same rules as one instance (replay only after an id sent on that channel,
 * `events_missed` beyond the window, the channel's owner bound across instances).
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { buildSseApp, progressEvent, type SseApp } from '../support/sse-app.js'
import { startRedis } from '../support/redis-server.js'
import { admitToChannel } from '../../src/sse/channel-access.js'
import type { FrameSink } from '../../src/sse/frame-sink.js'
import { RedisChannelLog } from '../../src/sse/redis-channel-log.js'
import { SEQ_SPACING } from '../../src/redis/event-sequence.js'
import { ChannelRegistry } from '../../src/sse/registry.js'
import type { Config } from '../../src/config.js'
import { openStream, type StreamClient } from './stream-client.js'
import { waitFor } from './wait.js'

async function twoInstances (t: { testdir: () => string, teardown: (fn: () => Promise<void>) => void }, config: Partial<Config> = {}): Promise<{ a: SseApp, b: SseApp, redis: Redis }> {
  const server = await startRedis(t, t.testdir())
  const a = await buildSseApp(t, { config: { REDIS_URL: server.url, ...config } })
  const b = await buildSseApp(t, { config: { REDIS_URL: server.url, ...config } })
  const redis = new Redis(server.url)
  t.teardown(async () => { redis.disconnect() })
  return { a, b, redis }
}

const count = (stream: StreamClient, text: string): number => stream.text().split(text).length - 1
const progressOf = (stream: StreamClient): string[] => stream.events().filter((e) => e.event === 'chart_progress').map((e) => JSON.parse(e.data ?? '{}').requestId as string)
const idsOf = (stream: StreamClient): number[] => stream.events().filter((e) => e.event === 'chart_progress').map((e) => Number((e.id as string).split('-')[1]))

t.test('read on A, disconnect, reconnect to B with Last-Event-ID: exactly the missed events, then live ones once', async (t) => {
  const { a, b, redis } = await twoInstances(t)
  const first = await openStream(t, a.eventsUrl('walker'))
  await waitFor('connected on A', () => first.events().some((e) => e.event === 'connected'))
  const before = [progressEvent(), progressEvent(), progressEvent()]
  for (const event of before) await b.app.bus.publish({ clientId: 'walker', event })
  await waitFor('three events on A', () => progressOf(first).length === 3)
  const lastId = first.events().filter((e) => e.event === 'chart_progress').at(-1)?.id as string
  first.abort()
  await waitFor('A saw the disconnect', () => a.app.channels.clientCount === 0)

  const missed = [progressEvent(), progressEvent(), progressEvent(), progressEvent()]
  for (const event of missed) await a.app.bus.publish({ clientId: 'walker', event })
  await waitFor('the missed events stored once', async () => await redis.xlen('chart-img-mcp:replay:channel:walker') === 7 ? true : undefined)

  const second = await openStream(t, b.eventsUrl('walker'), { 'last-event-id': lastId })
  t.equal(second.status, 200)
  await waitFor('the replay on B', () => progressOf(second).length === 4)
  t.same(progressOf(second), missed.map((e) => e.requestId), 'exactly the missed events, in order')
  t.equal(second.events().filter((e) => e.event === 'events_missed').length, 0, 'nothing reported missing')

  const live = [progressEvent(), progressEvent()]
  await a.app.bus.publish({ clientId: 'walker', event: live[0] })
  await b.app.bus.publish({ clientId: null, event: live[1] })
  await waitFor('live events on B', () => progressOf(second).length === 6)
  for (const event of [...missed, ...live]) t.equal(count(second, event.requestId), 1, `${event.requestId} exactly once`)
  for (const event of before) t.equal(count(second, event.requestId), 0, 'nothing already read is sent again')
  const ids = idsOf(second)
  t.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), `event ids rise across instances (${ids.join(', ')})`)
  t.ok(Number(lastId.split('-')[1]) < ids[0], 'the new stream\'s ids come after the old one\'s')
})

t.test('beyond the window, or with an id not sent on this channel: events_missed on the other instance', async (t) => {
  const { a, b, redis } = await twoInstances(t, { SSE_REPLAY_EVENTS: 3 })
  // The client saw only its connected event (an id sent on this channel), then more than the window went by.
  const first = await openStream(t, a.eventsUrl('slow'))
  const other = await openStream(t, a.eventsUrl('other'))
  await b.app.bus.publish({ clientId: 'other', event: progressEvent() })
  await waitFor('connected, and one event on the other channel', () => first.events().length === 1 && progressOf(other).length === 1)
  const lastId = first.events()[0].id as string
  const otherId = other.events().at(-1)?.id as string
  first.abort()
  other.abort()
  await waitFor('A saw both disconnect', () => a.app.channels.clientCount === 0)
  const missed = Array.from({ length: 6 }, () => progressEvent())
  for (const event of missed) await a.app.bus.publish({ clientId: 'slow', event })
  await waitFor('stored', async () => await redis.xlen('chart-img-mcp:replay:channel:slow') === 6 ? true : undefined)

  const resumed = await openStream(t, b.eventsUrl('slow'), { 'last-event-id': lastId })
  await waitFor('events_missed', () => resumed.events().some((e) => e.event === 'events_missed'))
  t.same(progressOf(resumed), missed.slice(-3).map((e) => e.requestId), 'the newest SSE_REPLAY_EVENTS are replayed')
  t.match(JSON.parse(resumed.events().find((e) => e.event === 'events_missed')?.data ?? '{}'), { reason: 'evicted', replayed: 3 })

  resumed.abort()
  await waitFor('B saw the disconnect', () => b.app.channels.clientCount === 0)
  const foreign = await openStream(t, b.eventsUrl('slow'), { 'last-event-id': otherId })
  await waitFor('events_missed for a foreign id', () => foreign.events().some((e) => e.event === 'events_missed'))
  t.equal(progressOf(foreign).length, 0, 'an id sent on another channel replays nothing')
  t.match(JSON.parse(foreign.events().find((e) => e.event === 'events_missed')?.data ?? '{}'), { reason: 'unknown', replayed: 0 })
})

class MemorySink implements FrameSink {
  text = ''
  write (chunk: Buffer): boolean { this.text += chunk.toString(); return true }
  onceDrain (): void {}
  get writableLength (): number { return 0 }
  end (): void {}
  destroy (): void {}
}

t.test('the owner of a channel is bound across instances', async (t) => {
  const server = await startRedis(t, t.testdir())
  const redis = new Redis(server.url)
  t.teardown(async () => { redis.disconnect() })
  const silent = { debug () {}, info () {}, warn () {} }
  const instance = async (): Promise<ChannelRegistry> => {
    const log = await RedisChannelLog.open({ redis, keyPrefix: 'test:', registry: 'events', capacity: 10, rememberMs: 60_000 })
    const registry = new ChannelRegistry({ log: silent, heartbeatMs: 60_000, keepaliveMs: 60_000, maxClients: 10, replayEvents: 10, maxQueuedBytes: 1 << 20, shared: { log, spacing: SEQ_SPACING } })
    t.teardown(async () => { await registry.close() })
    return registry
  }
  const [a, b] = [await instance(), await instance()]
  const opened = await a.prepare('mine', 'alice')
  t.same(admitToChannel(a, 'mine', { principal: 'alice', quotaKey: 'alice' }, null, opened), { ok: true })
  a.open('mine', new MemorySink(), null, { owner: 'alice', prepared: opened })
  const intruder = await b.prepare('mine', 'mallory')
  t.match(admitToChannel(b, 'mine', { principal: 'mallory', quotaKey: 'mallory' }, null, intruder), { ok: false, status: 404 }, 'another principal is refused on another instance')
  b.discard(intruder as never)
  const owner = await b.prepare('mine', 'alice')
  t.same(admitToChannel(b, 'mine', { principal: 'alice', quotaKey: 'alice' }, null, owner), { ok: true }, 'the owner is admitted anywhere')
  t.same(JSON.parse(await redis.hget('test:replay:events:mine:meta', 'owner') as string), 'alice', 'the owner is stored in Redis')
})
