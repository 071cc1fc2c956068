import t from 'tap'
import { ReplayBuffer } from '../../src/sse/replay-buffer.js'
import { createEventIdSource } from '../../src/sse/event-id.js'

const frame = (n: number): Buffer => Buffer.from(`frame ${n}`)
const text = (frames: Buffer[]): string[] => frames.map((f) => f.toString())

t.test('returns the events after a sequence number, oldest first', async (t) => {
  const buffer = new ReplayBuffer(5)
  for (const n of [2, 4, 7]) buffer.push(n, frame(n))
  t.same(text(buffer.since(0).frames), ['frame 2', 'frame 4', 'frame 7'])
  t.same(text(buffer.since(4).frames), ['frame 7'])
  t.same(buffer.since(7), { frames: [], complete: true })
  t.equal(buffer.since(3).complete, true, 'ids between held events are not a gap')
})

t.test('keeps the newest `capacity` events and reports a gap only when an evicted event was missed', async (t) => {
  const buffer = new ReplayBuffer(3)
  for (let n = 1; n <= 5; n++) buffer.push(n, frame(n))
  t.equal(buffer.size, 3)
  t.same(buffer.since(0), { frames: [frame(3), frame(4), frame(5)], complete: false })
  t.same(buffer.since(1), { frames: [frame(3), frame(4), frame(5)], complete: false }, 'event 2 was evicted')
  t.same(buffer.since(2), { frames: [frame(3), frame(4), frame(5)], complete: true })
  t.same(text(buffer.since(4).frames), ['frame 5'])
  buffer.push(6, frame(6))
  t.same(text(buffer.since(3).frames), ['frame 4', 'frame 5', 'frame 6'], 'ring order survives wrap-around')
})

t.test('capacity 0 keeps nothing and reports every later event as missed', async (t) => {
  const buffer = new ReplayBuffer(0)
  buffer.push(1, frame(1))
  t.same(buffer.since(0), { frames: [], complete: false })
  t.same(buffer.since(1), { frames: [], complete: true })
})

t.test('event ids: per-process epoch, rising sequence, foreign ids refused', async (t) => {
  const ids = createEventIdSource('abc123')
  const a = ids.next()
  const b = ids.next()
  t.ok(b > a)
  t.equal(ids.format(b), 'abc123-2')
  t.equal(ids.parseOwn('abc123-1'), 1)
  t.equal(ids.parseOwn(' abc123-2 '), 2)
  t.equal(ids.parseOwn('abc123-3'), null, 'not issued yet')
  t.equal(ids.parseOwn('ffff-1'), null, 'another process')
  t.equal(ids.parseOwn('42'), null)
  t.equal(ids.parseOwn(''), null)
  t.equal(ids.parseOwn(null), null)
  t.not(createEventIdSource().epoch, createEventIdSource().epoch)
})
