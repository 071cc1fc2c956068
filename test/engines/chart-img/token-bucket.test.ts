import t from 'tap'
import { TokenBucket, TokenBucketClosedError, type Clock } from '../../../src/engines/chart-img/token-bucket.js'

/** A manual clock: timers fire only when the test advances time. */
function manualClock (): Clock & { advance: (ms: number) => void, pending: () => number } {
  let now = 0
  let timers: Array<{ at: number, fn: () => void, id: number }> = []
  let nextId = 1
  return {
    now: () => now,
    setTimer: (fn, ms) => { const id = nextId++; timers.push({ at: now + ms, fn, id }); return id },
    clearTimer: (id) => { timers = timers.filter((x) => x.id !== id) },
    pending: () => timers.length,
    advance (ms) {
      now += ms
      for (;;) {
        const due = timers.filter((x) => x.at <= now).sort((a, b) => a.at - b.at)[0]
        if (due === undefined) return
        timers = timers.filter((x) => x !== due)
        due.fn()
      }
    }
  }
}

const flush = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

t.test('burst goes through at once, then one per 1/rate, in FIFO order', async (t) => {
  const clock = manualClock()
  const bucket = new TokenBucket({ ratePerSecond: 2, burst: 3, clock })
  const order: number[] = []
  const waits: number[] = []
  const all = [0, 1, 2, 3, 4].map(async (i) => {
    await bucket.acquire(undefined, (ms) => { waits.push(ms) })
    order.push(i)
  })
  await flush()
  t.same(order, [0, 1, 2], 'burst of 3')
  t.same(waits, [500, 1000], 'estimated waits for the 4th and 5th')
  clock.advance(499)
  await flush()
  t.same(order, [0, 1, 2])
  clock.advance(1)
  await flush()
  t.same(order, [0, 1, 2, 3])
  clock.advance(500)
  await flush()
  t.same(order, [0, 1, 2, 3, 4])
  await Promise.all(all)
  t.equal(clock.pending(), 0, 'no timer left')
})

t.test('tokens refill up to burst only', async (t) => {
  const clock = manualClock()
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2, clock })
  clock.advance(60_000)
  let done = 0
  const all = Array.from({ length: 3 }, async () => { await bucket.acquire(); done++ })
  await flush()
  t.equal(done, 2)
  bucket.close()
  await t.rejects(Promise.all(all), TokenBucketClosedError)
})

t.test('an aborted waiter leaves the queue and frees its place', async (t) => {
  const clock = manualClock()
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock })
  await bucket.acquire()
  const controller = new AbortController()
  const first = bucket.acquire(controller.signal)
  let secondDone = false
  const second = bucket.acquire().then(() => { secondDone = true })
  t.equal(bucket.waiting, 2)
  controller.abort(new Error('gone'))
  await t.rejects(first, { message: 'gone' })
  t.equal(bucket.waiting, 1)
  clock.advance(1000)
  await second
  t.ok(secondDone, 'the next waiter got the token')
  await t.rejects(bucket.acquire(AbortSignal.abort(new Error('already'))), { message: 'already' })
})

t.test('close rejects waiters and later calls, clears the timer, is idempotent', async (t) => {
  const clock = manualClock()
  const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, clock })
  await bucket.acquire()
  const waiting = bucket.acquire()
  t.equal(clock.pending(), 1)
  bucket.close()
  bucket.close()
  await t.rejects(waiting, TokenBucketClosedError)
  await t.rejects(bucket.acquire(), TokenBucketClosedError)
  t.equal(clock.pending(), 0)
})

t.test('invalid settings are refused', async (t) => {
  t.throws(() => new TokenBucket({ ratePerSecond: 0, burst: 1 }), RangeError)
  t.throws(() => new TokenBucket({ ratePerSecond: 1, burst: 0 }), RangeError)
})
