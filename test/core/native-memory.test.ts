import t, { type Test } from 'tap'
import { request } from 'node:http'
import { mock } from 'node:test'
import { Writable } from 'node:stream'
import pino from 'pino'
import { buildApp } from '../../src/app.js'
import { testConfig } from '../../src/config.js'
import { loadMallocTrim } from '../../src/memory/malloc-trim.js'
import { trimAfterDisconnects } from '../../src/memory/trim-after-disconnects.js'
import { waitFor } from '../sse/wait.js'

const silent = pino({ level: 'silent' })

/** A tracker with a counting trim and a major-GC signal the test fires by hand. */
function tracked (threshold: number, quietMs: number): { tracker: ReturnType<typeof trimAfterDisconnects>, trims: () => number, majorGc: () => void, observing: () => boolean } {
  let trims = 0
  let listener: (() => void) | undefined
  const tracker = trimAfterDisconnects({
    threshold,
    quietMs,
    log: silent,
    trim: async () => { trims++; return true },
    onMajorGc: (l) => { listener = l; return () => { listener = undefined } }
  })
  return { tracker, trims: () => trims, majorGc: () => { listener?.() }, observing: () => listener !== undefined }
}

t.test('malloc_trim is callable on this glibc Linux machine, off the event loop', async (t) => {
  const trim = loadMallocTrim()
  t.type(trim, 'function')
  t.type(await trim?.(), 'boolean')
})

// Time is the subject of these tests: node:test's fake clock moves it, so a busy machine cannot change the outcome.
function fakeClock (t: Test): (ms: number) => void {
  mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
  t.teardown(() => { mock.timers.reset() })
  return (ms) => { mock.timers.tick(ms) }
}

t.test('fewer closes than the threshold never trim', async (t) => {
  const advance = fakeClock(t)
  const { tracker, trims, majorGc } = tracked(10, 20)
  t.teardown(tracker.stop)
  for (let i = 0; i < 9; i++) tracker.closed()
  advance(200)
  majorGc()
  t.equal(trims(), 0)
})

t.test('a trickle of closes never adds up to a trim: a wave below the threshold is forgotten when it goes quiet', async (t) => {
  const advance = fakeClock(t)
  const { tracker, trims, majorGc } = tracked(5, 50)
  t.teardown(tracker.stop)
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 3; i++) tracker.closed()
    advance(120)
  }
  majorGc()
  advance(400)
  t.equal(trims(), 0, '12 closes in waves of 3, threshold 5')
})

t.test('a wave trims once: after it is quiet, at the next full GC', async (t) => {
  const advance = fakeClock(t)
  const { tracker, trims, majorGc, observing } = tracked(10, 200)
  t.teardown(tracker.stop)
  for (let i = 0; i < 25; i++) tracker.closed()
  majorGc()
  advance(100)
  tracker.closed() // the wave goes on: the quiet period starts again
  advance(150)
  t.equal(observing(), false, 'not waiting for a GC while the wave goes on')
  advance(50)
  t.equal(observing(), true, 'waiting for a GC once the wave is quiet (200 ms after its last close)')
  t.equal(trims(), 0, 'and not trimming before it')
  majorGc()
  t.equal(trims(), 1)
  majorGc()
  t.equal(trims(), 1, 'one trim per wave')
})

t.test('without a full GC, the wave is trimmed at the latest quietMs × 6 after its last close', async (t) => {
  const advance = fakeClock(t)
  const { tracker, trims } = tracked(5, 30)
  t.teardown(tracker.stop)
  for (let i = 0; i < 5; i++) tracker.closed()
  // Step by step: the fake clock schedules a timer set inside tick() from the tick's end time.
  advance(30)
  t.equal(trims(), 0, 'quiet: now waiting for a full GC, at most quietMs × 5 more')
  advance(149)
  t.equal(trims(), 0)
  advance(1)
  t.equal(trims(), 1)
})

t.test('stop() cancels a pending trim', async (t) => {
  const advance = fakeClock(t)
  const { tracker, trims } = tracked(5, 20)
  for (let i = 0; i < 5; i++) tracker.closed()
  tracker.stop()
  advance(10_000)
  t.equal(trims(), 0)
})

t.test('the app trims after a wave of SSE clients leaves, and logs what it released', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  const app = await buildApp(testConfig({ PORT: 0, DATA_DIR: t.testdir(), RENDER_WORKERS: 1, MEMORY_TRIM_AFTER_CONNECTIONS: 20, MEMORY_TRIM_QUIET_MS: 100 }),
    { logger: { level: 'info', stream } })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const port = (app.server.address() as { port: number }).port

  const streams = await Promise.all(Array.from({ length: 20 }, async (_, i) => await new Promise<{ destroy: () => void }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: `/mcp/events/wave-${i}`, headers: { accept: 'text/event-stream' } }, (res) => {
      res.once('data', () => { resolve(req) })
    })
    req.on('error', reject)
    req.end()
  })))
  t.equal(app.channels.clientCount, 20)
  for (const s of streams) s.destroy()

  const trimmed = await waitFor('the trim to be logged', () => lines.find((line) => line.msg === 'returned freed native memory to the OS after a wave of disconnects'))
  t.ok(trimmed, 'logged the trim')
  t.equal(trimmed?.closedConnections, 20)
  t.type(trimmed?.released, 'boolean')
  t.type(trimmed?.rssAfterMb, 'number')
  t.equal(app.channels.clientCount, 0)
})

t.test('MEMORY_TRIM_AFTER_CONNECTIONS=0 turns it off: no connection is tracked', async (t) => {
  const connectionListeners = async (threshold: number): Promise<number> => {
    const app = await buildApp(testConfig({ PORT: 0, DATA_DIR: t.testdir(), RENDER_WORKERS: 1, MEMORY_TRIM_AFTER_CONNECTIONS: threshold }), { logger: false })
    await app.ready()
    const count = app.server.listenerCount('connection')
    await app.close()
    return count
  }
  const on = await connectionListeners(20)
  const off = await connectionListeners(0)
  t.equal(on - off, 1, 'the tracker\'s connection listener exists only when turned on')
})
