import t from 'tap'
import { EventSource } from 'eventsource'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { seqOf } from './sse-text.js'
import { waitFor } from './wait.js'

interface Received {
  type: string
  id: string
  data: Record<string, unknown>
}

/** Opens a WHATWG EventSource and records every named event of ours, in order. */
function open (t: { teardown: (fn: () => void) => void }, url: string) {
  const received: Received[] = []
  const requestHeaders: Array<Record<string, string>> = []
  const es = new EventSource(url, {
    fetch: async (input, init) => {
      requestHeaders.push({ ...(init.headers as Record<string, string>) })
      return await fetch(input, init)
    }
  })
  for (const type of ['connected', 'heartbeat', 'chart_progress', 'events_missed']) {
    es.addEventListener(type, (event) => {
      received.push({ type, id: event.lastEventId, data: JSON.parse(event.data) })
    })
  }
  t.teardown(() => es.close())
  const ofType = (type: string): Received[] => received.filter((r) => r.type === type)
  const withRequest = (requestId: string): Received[] => received.filter((r) => r.data.requestId === requestId)
  return { es, received, requestHeaders, ofType, withRequest }
}

t.test('connected, heartbeat and chart_progress arrive as named events with rising ids', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t, { config: { HEARTBEAT_MS: 150 } })
  const client = open(t, eventsUrl('mcp_1749698104642_abc123'))
  const [connected] = await waitFor('connected', () => client.ofType('connected').length > 0 && client.ofType('connected'))
  t.match(connected.data, { type: 'connected', clientId: 'mcp_1749698104642_abc123' })
  t.ok(!Number.isNaN(Date.parse(String(connected.data.timestamp))), 'ISO timestamp')
  t.equal(client.received[0].type, 'connected', 'connected is the first event')

  const [heartbeat] = await waitFor('a heartbeat', () => client.ofType('heartbeat').length > 0 && client.ofType('heartbeat'))
  t.match(heartbeat.data, { type: 'heartbeat', timestamp: String })

  const event = progressEvent({ processingTime: 2847, message: 'Chart ready for NASDAQ:AAPL' }, { status: 'completed', engine: 'local' })
  await app.bus.publish({ clientId: 'mcp_1749698104642_abc123', event })
  const [progress] = await waitFor('chart_progress', () => client.withRequest(event.requestId).length > 0 && client.withRequest(event.requestId))
  t.same(progress.data, event, 'data is the ChartProgressEvent JSON')
  const ids = client.received.map((r) => seqOf(r.id))
  t.same(ids, [...ids].sort((a, b) => a - b), 'every event has an id, rising')
  t.equal(new Set(ids).size, ids.length)
})

t.test('progress reaches its owner only; a null clientId reaches everyone', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t)
  const alice = open(t, eventsUrl('alice'))
  const bob = open(t, eventsUrl('bob'))
  await waitFor('both connected', () => alice.ofType('connected').length > 0 && bob.ofType('connected').length > 0)
  const forAlice = progressEvent()
  const forAll = progressEvent({}, { symbol: 'BINANCE:BTCUSDT' })
  await app.bus.publish({ clientId: 'alice', event: forAlice })
  await app.bus.publish({ clientId: null, event: forAll })
  await waitFor('broadcast at alice', () => alice.withRequest(forAll.requestId).length > 0)
  await waitFor('broadcast at bob', () => bob.withRequest(forAll.requestId).length > 0)
  t.equal(alice.withRequest(forAlice.requestId).length, 1, 'alice got hers once')
  t.equal(bob.withRequest(forAlice.requestId).length, 0, 'bob did not get alice\'s (it would have come before the broadcast)')
  t.equal(alice.withRequest(forAll.requestId).length, 1)
  t.equal(bob.withRequest(forAll.requestId).length, 1)
})

t.test('after a drop, EventSource reconnects with Last-Event-ID and gets what it missed', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t, { channels: { retryMs: 200 } })
  const client = open(t, eventsUrl('resumer'))
  await waitFor('connected', () => client.ofType('connected').length === 1)
  const before = progressEvent()
  await app.bus.publish({ clientId: 'resumer', event: before })
  const [seen] = await waitFor('first event', () => client.withRequest(before.requestId).length > 0 && client.withRequest(before.requestId))

  t.equal(app.channels.disconnect('resumer'), true, 'server ends the stream')
  const missedTargeted = progressEvent({}, { status: 'rendering' })
  const missedBroadcast = progressEvent({}, { status: 'completed' })
  await app.bus.publish({ clientId: 'resumer', event: missedTargeted })
  await app.bus.publish({ clientId: null, event: missedBroadcast })

  await waitFor('replayed events', () => client.withRequest(missedBroadcast.requestId).length > 0)
  t.equal(client.requestHeaders.length, 2, 'one reconnect')
  t.equal(client.requestHeaders[1]['Last-Event-ID'], seen.id, 'the reconnect carried Last-Event-ID')
  t.equal(client.ofType('connected').length, 2)
  t.same(client.received.slice(-3).map((r) => r.type), ['connected', 'chart_progress', 'chart_progress'])
  t.equal(client.withRequest(missedTargeted.requestId).length, 1, 'targeted event missed while away: replayed once')
  t.equal(client.withRequest(missedBroadcast.requestId).length, 1, 'broadcast missed while away: replayed once')
  t.equal(client.withRequest(before.requestId).length, 1, 'an event already seen is not replayed')
  t.equal(client.ofType('events_missed').length, 0, 'nothing was lost')

  const after = progressEvent()
  await app.bus.publish({ clientId: 'resumer', event: after })
  await waitFor('live again', () => client.withRequest(after.requestId).length > 0)
  t.equal(app.channels.clientCount, 1)
})

t.test('a Last-Event-ID older than the buffer: replay what there is, then events_missed', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t, { config: { SSE_REPLAY_EVENTS: 2 }, channels: { retryMs: 200 } })
  const client = open(t, eventsUrl('laggard'))
  await waitFor('connected', () => client.ofType('connected').length === 1)
  app.channels.disconnect('laggard')
  const missed = [progressEvent(), progressEvent(), progressEvent(), progressEvent()]
  for (const event of missed) await app.bus.publish({ clientId: 'laggard', event })
  const [notice] = await waitFor('events_missed', () => client.ofType('events_missed').length > 0 && client.ofType('events_missed'))
  t.match(notice.data, { type: 'events_missed', clientId: 'laggard', reason: 'evicted', replayed: 2 })
  t.same(client.ofType('chart_progress').map((r) => r.data.requestId), missed.slice(2).map((e) => e.requestId), 'the newest two were replayed')
})
