import t from 'tap'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import { BoundedEventStore, EventBudget } from '../../src/mcp/event-store.js'

const note = (n: number): JSONRPCMessage => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `m${n}` } })

async function replay (store: BoundedEventStore, after: string): Promise<{ stream: string, data: unknown[] }> {
  const data: unknown[] = []
  const stream = await store.replayEventsAfter(after, { send: async (_id, message) => { data.push((message as unknown as { params: { data: unknown } }).params.data) } })
  return { stream, data }
}

t.test('replays only the named stream, after the given event, skipping priming events', async (t) => {
  const store = new BoundedEventStore()
  const prime = await store.storeEvent('s1', {} as JSONRPCMessage)
  const a1 = await store.storeEvent('s1', note(1))
  await store.storeEvent('_GET_stream', note(99))
  await store.storeEvent('s1', note(2))
  t.equal(await store.getStreamIdForEventId(a1), 's1')
  t.same(await replay(store, prime), { stream: 's1', data: ['m1', 'm2'] })
  t.same(await replay(store, a1), { stream: 's1', data: ['m2'] })
  const g = await store.storeEvent('_GET_stream', note(100))
  t.equal(await store.getStreamIdForEventId(g), '_GET_stream', 'stream ids containing _ parse')
  t.same(await replay(store, 'nope'), { stream: '', data: [] })
  t.equal(await store.getStreamIdForEventId('s1_999'), undefined, 'unknown ids are unknown')
  t.not(a1, g, 'ids unique across streams')
})

t.test('bounded per stream and in bytes, oldest first', async (t) => {
  const store = new BoundedEventStore({ maxEventsPerStream: 3, maxBytes: 10_000 })
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push(await store.storeEvent('s', note(i)))
  t.equal(store.size, 3)
  t.equal(await store.getStreamIdForEventId(ids[1]), undefined, 'evicted')
  t.same((await replay(store, ids[2])).data, ['m3', 'm4'])

  const small = new BoundedEventStore({ maxEventsPerStream: 1000, maxBytes: 600 })
  for (let i = 0; i < 50; i++) await small.storeEvent(i % 2 === 0 ? 'a' : 'b', note(i))
  t.ok(small.bytes <= 600, `bytes ${small.bytes}`)
  t.ok(small.size > 0 && small.size < 50)
  small.clear()
  t.equal(small.size, 0)
  t.equal(small.bytes, 0)
})

t.test('completed streams are dropped after completedTtlMs; a shared budget bounds all stores', async (t) => {
  let now = 0
  const store = new BoundedEventStore({ completedTtlMs: 1000 }, undefined, () => now)
  const prime = await store.storeEvent('done', {} as JSONRPCMessage)
  await store.storeEvent('done', { jsonrpc: '2.0', id: 1, result: {} })
  const open = await store.storeEvent('open', note(1))
  now = 999
  await store.storeEvent('open', note(2))
  t.equal(await store.getStreamIdForEventId(prime), 'done', 'kept within the TTL')
  now = 1001
  await store.storeEvent('open', note(3))
  t.equal(await store.getStreamIdForEventId(prime), undefined, 'dropped after the TTL')
  t.equal(store.streamCount, 1)
  t.same((await replay(store, open)).data, ['m2', 'm3'], 'an open stream stays')

  const budget = new EventBudget(2000)
  const a = new BoundedEventStore({}, budget)
  const b = new BoundedEventStore({}, budget)
  for (let i = 0; i < 10; i++) await a.storeEvent('s', note(i))
  const aBytes = a.bytes
  for (let i = 0; i < 100; i++) await b.storeEvent('s', note(i))
  t.ok(budget.used <= 2000, `shared budget held (${budget.used})`)
  t.equal(a.bytes, aBytes, 'the busy store evicted its own events, not the quiet one’s')
  a.clear()
  b.clear()
  t.equal(budget.used, 0, 'clear gives the bytes back')
})

t.test('at most maxCompletedStreams completed streams are kept, oldest dropped first, before their TTL', async (t) => {
  const store = new BoundedEventStore({ maxCompletedStreams: 100 }, undefined, () => 0)
  const firsts: string[] = []
  for (let i = 0; i < 3000; i++) firsts.push(await store.storeEvent(`s${i}`, { jsonrpc: '2.0', id: i, result: {} }))
  await store.storeEvent('open', note(1))
  t.ok(store.streamCount <= 102, `streams kept: ${store.streamCount}`)
  t.equal(await store.getStreamIdForEventId(firsts[0]), undefined, 'the oldest completed stream is gone')
  t.equal(await store.getStreamIdForEventId(firsts[2999]), 's2999', 'the newest is still there to resume')
})

t.test('a long, busy session keeps its bookkeeping bounded: swept streams leave no entries behind', async (t) => {
  // One request after another in one session, as a client calling a tool in a loop: each is a priming event and a
  // response on a stream of its own, swept once more than maxCompletedStreams have completed.
  const store = new BoundedEventStore({ maxCompletedStreams: 100 }, undefined, () => 0)
  for (let i = 0; i < 50_000; i++) {
    await store.storeEvent(`s${i}`, {} as JSONRPCMessage)
    await store.storeEvent(`s${i}`, { jsonrpc: '2.0', id: i, result: {} })
  }
  t.ok(store.size <= 202, `events held: ${store.size}`)
  t.ok(store.orderEntries <= 2 * store.size + 1024 + 1, `order entries: ${store.orderEntries} for ${store.size} events (was one per event ever stored)`)
})
