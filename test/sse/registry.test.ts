import t from 'tap'
import { ChannelRegistry, type ChannelRegistryOptions } from '../../src/sse/registry.js'
import type { FrameSink } from '../../src/sse/frame-sink.js'
import { createEventIdSource } from '../../src/sse/event-id.js'
import type { BusMessage } from '../../src/events/types.js'
import { progressEvent } from '../support/sse-app.js'
import { parseSse, seqOf, type SseEvent } from './sse-text.js'
import { waitFor } from './wait.js'

/** A sink that records writes and lets the test play the transport (full buffer, drain). */
class FakeSink implements FrameSink {
  chunks: Buffer[] = []
  accepting = true
  pending = 0
  ended = false
  destroyed = false
  #drainCallbacks: Array<() => void> = []

  write (chunk: Buffer): boolean {
    this.chunks.push(chunk)
    if (!this.accepting) this.pending += chunk.length
    return this.accepting
  }

  onceDrain (callback: () => void): void { this.#drainCallbacks.push(callback) }
  get writableLength (): number { return this.pending }
  end (): void { this.ended = true }
  destroy (): void { this.destroyed = true }

  drain (): void {
    this.accepting = true
    this.pending = 0
    const callbacks = this.#drainCallbacks
    this.#drainCallbacks = []
    for (const callback of callbacks) callback()
  }

  events (): SseEvent[] {
    return parseSse(Buffer.concat(this.chunks).toString()).events
  }
}

const quietLog = { debug () {}, info () {}, warn () {} }

function registry (t: { teardown: (fn: () => Promise<void>) => void }, overrides: Partial<ChannelRegistryOptions> = {}): ChannelRegistry {
  const r = new ChannelRegistry({
    log: quietLog,
    heartbeatMs: 3_600_000,
    keepaliveMs: 300_000,
    maxClients: 100,
    replayEvents: 50,
    maxQueuedBytes: 64 * 1024,
    ids: createEventIdSource('e1'),
    ...overrides
  })
  t.teardown(() => r.close())
  return r
}

const toClient = (clientId: string | null): BusMessage => ({ clientId, event: progressEvent() })
const kinds = (sink: FakeSink): Array<string | undefined> => sink.events().map((e) => e.event)

t.test('connected first (with retry and an id), then chart_progress to the owner only', async (t) => {
  const r = registry(t)
  const a = new FakeSink()
  const b = new FakeSink()
  r.open('alice', a, null)
  r.open('bob', b, null)
  const message = toClient('alice')
  r.deliver(message)
  const [connected, progress] = a.events()
  t.equal(connected.event, 'connected')
  t.equal(connected.retry, 2000)
  t.match(JSON.parse(connected.data ?? ''), { type: 'connected', clientId: 'alice', timestamp: String })
  t.equal(progress.event, 'chart_progress')
  t.same(JSON.parse(progress.data ?? ''), message.event)
  t.ok(seqOf(progress.id) > seqOf(connected.id), 'ids rise')
  t.same(kinds(b), ['connected'], 'bob gets nothing addressed to alice')
  r.deliver(toClient('nobody'))
  t.same(kinds(b), ['connected'], 'an event for an unknown client goes nowhere')
})

t.test('a broadcast is encoded once: the same Buffer goes to every channel', async (t) => {
  const r = registry(t)
  const sinks = [new FakeSink(), new FakeSink(), new FakeSink()]
  sinks.forEach((sink, i) => r.open(`c${i}`, sink, null))
  r.deliver(toClient(null))
  const frames = sinks.map((sink) => sink.chunks.at(-1))
  t.ok(frames[0] !== undefined && frames.every((frame) => frame === frames[0]), 'one Buffer instance for all')
  t.same(sinks.map(kinds), sinks.map(() => ['connected', 'chart_progress']))
})

t.test('a second stream with the same clientId replaces the first; the old close cannot remove the new', async (t) => {
  const r = registry(t)
  const old = new FakeSink()
  const fresh = new FakeSink()
  const first = r.open('dup', old, null)
  const second = r.open('dup', fresh, null)
  t.equal(old.ended, true, 'old stream ended')
  t.equal(r.clientCount, 1)
  r.release(first) // the old response's close event arrives after the new stream registered
  r.release(first)
  t.equal(r.clientCount, 1, 'new stream still registered')
  r.deliver(toClient('dup'))
  t.same(kinds(fresh), ['connected', 'chart_progress'])
  t.same(kinds(old), ['connected'], 'old stream gets nothing more')
  r.release(second)
  t.equal(r.clientCount, 0)
})

t.test('a disconnected channel keeps collecting its events; a resume replays exactly the missed ones', async (t) => {
  const r = registry(t)
  const first = new FakeSink()
  const opened = r.open('c', first, null)
  r.deliver(toClient('c'))
  const lastSeen = first.events().at(-1)?.id ?? ''
  r.release(opened)
  t.equal(r.clientCount, 0)
  t.equal(r.rememberedCount, 1)
  const targeted = toClient('c')
  const broadcast = toClient(null)
  r.deliver(targeted)
  r.deliver(broadcast)
  const second = new FakeSink()
  r.open('c', second, lastSeen)
  const events = second.events()
  t.same(events.map((e) => e.event), ['connected', 'chart_progress', 'chart_progress'])
  t.not(events[0].id, lastSeen, 'connected has an id of its own')
  t.ok(seqOf(events[0].id) > seqOf(lastSeen))
  t.same(events.slice(1).map((e) => JSON.parse(e.data ?? '').requestId), [targeted.event.requestId, broadcast.event.requestId])
  t.equal(r.rememberedCount, 0)
  t.equal(new Set(events.map((e) => e.id)).size, events.length, 'no id names two events')
})

t.test('a client cut right after connected (before the replay) resumes from the connected id and still gets the replay', async (t) => {
  const r = registry(t)
  const first = new FakeSink()
  const opened = r.open('c', first, null)
  const lastSeen = first.events()[0].id ?? ''
  r.release(opened)
  const missed = [toClient('c'), toClient('c')]
  for (const m of missed) r.deliver(m)
  // Second stream: connected + replay written, but the client only saw connected before the cut.
  const second = new FakeSink()
  r.release(r.open('c', second, lastSeen))
  const connectedId = second.events()[0].id ?? ''
  const third = new FakeSink()
  r.open('c', third, connectedId)
  const events = third.events()
  t.same(events.map((e) => e.event), ['connected', 'chart_progress', 'chart_progress'], 'the replay again, no events_missed')
  t.same(events.slice(1).map((e) => JSON.parse(e.data ?? '').requestId), missed.map((m) => m.event.requestId))
})

t.test('a reconnect storm: streams cut before the client read anything do not make its real id unknown', async (t) => {
  const r = registry(t)
  const first = new FakeSink()
  r.release(r.open('c', first, null))
  const heldId = first.events()[0].id ?? ''
  const missed = toClient('c')
  r.deliver(missed)
  // Many connections, each cut before the client read a byte: the client still holds only its first connected id.
  for (let i = 0; i < 40; i++) r.release(r.open('c', new FakeSink(), heldId))
  const last = new FakeSink()
  r.open('c', last, heldId)
  const events = last.events()
  t.same(events.map((e) => e.event), ['connected', 'chart_progress'], 'the missed event, no events_missed')
  t.equal(JSON.parse(events[1].data ?? '').requestId, missed.event.requestId)
})

t.test('a reconnect without Last-Event-ID to a channel holding unseen events gets events_missed (no_last_event_id)', async (t) => {
  const r = registry(t)
  const first = new FakeSink()
  r.release(r.open('c', first, null))
  r.deliver(toClient('c'))
  r.deliver(toClient('c'))
  const second = new FakeSink()
  r.open('c', second, null)
  const events = second.events()
  t.same(events.map((e) => e.event), ['connected', 'events_missed'])
  t.match(JSON.parse(events[1].data ?? ''), { type: 'events_missed', clientId: 'c', lastEventId: null, reason: 'no_last_event_id', replayed: 0, buffered: 2 })

  // A brand-new client id, or a known one with nothing new since its last connect: no notice.
  const fresh = new FakeSink()
  r.open('new', fresh, null)
  t.same(fresh.events().map((e) => e.event), ['connected'])
  const third = new FakeSink()
  r.disconnect('c')
  r.open('c', third, null)
  t.same(third.events().map((e) => e.event), ['connected'], 'nothing was sent since the previous stream opened')
})

t.test('events_missed: evicted, expired and unknown', async (t) => {
  t.test('evicted: more events than the buffer holds', async (t) => {
    const r = registry(t, { replayEvents: 2 })
    const s1 = new FakeSink()
    const opened = r.open('c', s1, null)
    const lastSeen = s1.events()[0].id ?? ''
    r.release(opened)
    for (let i = 0; i < 4; i++) r.deliver(toClient('c'))
    const s2 = new FakeSink()
    r.open('c', s2, lastSeen)
    const events = s2.events()
    t.same(events.map((e) => e.event), ['connected', 'chart_progress', 'chart_progress', 'events_missed'])
    t.match(JSON.parse(events[3].data ?? ''), { type: 'events_missed', clientId: 'c', lastEventId: lastSeen, reason: 'evicted', replayed: 2 })
  })
  t.test('expired: the buffer was forgotten (count bound)', async (t) => {
    const r = registry(t, { rememberMax: 0 })
    const s1 = new FakeSink()
    const opened = r.open('c', s1, null)
    r.release(opened)
    t.equal(r.rememberedCount, 0)
    const s2 = new FakeSink()
    r.open('c', s2, s1.events()[0].id ?? '')
    t.match(JSON.parse(s2.events()[1].data ?? ''), { reason: 'expired', replayed: 0 })
  })
  t.test('unknown: an id this process did not issue', async (t) => {
    const r = registry(t)
    const s = new FakeSink()
    r.open('c', s, 'deadbeef-17')
    const events = s.events()
    t.same(events.map((e) => e.event), ['connected', 'events_missed'])
    t.not(events[0].id, 'deadbeef-17', 'a foreign id is not echoed')
    t.match(JSON.parse(events[1].data ?? ''), { reason: 'unknown', lastEventId: 'deadbeef-17' })
  })
  t.test('no Last-Event-ID: no replay and no notice', async (t) => {
    const r = registry(t)
    const s = new FakeSink()
    r.open('c', s, null)
    t.same(kinds(s), ['connected'])
  })
})

t.test('remembered buffers expire after rememberMs', async (t) => {
  const r = registry(t, { rememberMs: 0, keepaliveMs: 100 })
  r.release(r.open('c', new FakeSink(), null))
  t.equal(r.rememberedCount, 1)
  await waitFor('the keep-alive tick to sweep expired buffers', () => r.rememberedCount === 0)
  t.pass('swept by the keep-alive tick')
})

t.test('backpressure: queue while the transport is full, flush on drain, drop past maxQueuedBytes', async (t) => {
  const r = registry(t, { maxQueuedBytes: 8192 })
  const sink = new FakeSink()
  r.open('slow', sink, null)
  sink.accepting = false
  r.deliver(toClient('slow')) // accepted by the transport, which now reports full
  const written = sink.chunks.length
  r.deliver(toClient('slow'))
  r.deliver(toClient(null))
  t.equal(sink.chunks.length, written, 'nothing written while waiting for drain')
  sink.drain()
  t.equal(sink.chunks.length, written + 1, 'the queue goes out in one write')
  t.same(kinds(sink), ['connected', 'chart_progress', 'chart_progress', 'chart_progress'])

  sink.accepting = false
  const big = progressEvent({ message: 'x'.repeat(3000) })
  r.deliver({ clientId: 'slow', event: big })
  r.deliver({ clientId: 'slow', event: big })
  t.equal(sink.destroyed, false, 'under the limit')
  r.deliver({ clientId: 'slow', event: big })
  t.equal(sink.destroyed, true, 'dropped past maxQueuedBytes')
  t.equal(r.slowClientsClosed, 1)
  t.equal(r.clientCount, 0)
  t.equal(r.rememberedCount, 1, 'its buffer is kept so it can resume')
})

t.test('a client dropped as too slow by a broadcast resumes with that broadcast exactly once', async (t) => {
  const r = registry(t, { maxQueuedBytes: 2048 })
  const slow = new FakeSink()
  r.open('slow', slow, null)
  r.open('fast', new FakeSink(), null)
  const lastSeen = slow.events()[0].id ?? ''
  slow.accepting = false
  const big = progressEvent({ message: 'y'.repeat(1500) })
  r.deliver({ clientId: null, event: big }) // transport full
  r.deliver({ clientId: null, event: big }) // queued past the limit: dropped during the broadcast loop
  t.equal(slow.destroyed, true)
  const resumed = new FakeSink()
  r.open('slow', resumed, lastSeen)
  t.same(kinds(resumed), ['connected', 'chart_progress', 'chart_progress'], 'each broadcast once, none twice')
})

t.test('client limit: new ids refused at the limit, a replacement always fits', async (t) => {
  const r = registry(t, { maxClients: 2 })
  r.open('a', new FakeSink(), null)
  r.open('b', new FakeSink(), null)
  t.equal(r.canAccept('c'), false)
  t.equal(r.canAccept('a'), true)
  t.throws(() => r.open('c', new FakeSink(), null), /client limit/)
  t.equal(r.disconnect('a'), true)
  t.equal(r.disconnect('a'), false)
  t.equal(r.canAccept('c'), true)
})

t.test('close ends every stream (dropping backed-up ones) and is idempotent', async (t) => {
  const r = registry(t)
  const fine = new FakeSink()
  const stuck = new FakeSink()
  r.open('fine', fine, null)
  r.open('stuck', stuck, null)
  stuck.accepting = false
  r.deliver(toClient('stuck'))
  await r.close()
  await r.close()
  t.equal(fine.ended, true)
  const last = fine.events().at(-1)
  t.equal(last?.event, 'close', 'a stream that keeps up gets the close event last')
  t.equal(last?.retry, 5000, 'with retry: so EventSource waits for the restart')
  t.equal(last?.id, undefined, 'without an id: Last-Event-ID stays on the last real event')
  t.match(JSON.parse(last?.data ?? ''), { type: 'close', reason: 'server_shutdown' })
  t.equal(stuck.destroyed, true, 'a client that stopped reading cannot hold shutdown')
  t.equal(r.clientCount, 0)
  t.equal(r.canAccept('x'), false)
  const written = fine.chunks.length
  r.deliver(toClient(null))
  t.equal(fine.chunks.length, written)
})
