/**
 * The hold before a 429 (src/auth/refusal-delay.ts): bounded by the client's Retry-After, by how many wait at once,
 * and released at shutdown. No clock is read: each case resolves on a positive signal or at once.
 */
import t from 'tap'
import { RefusalDelay } from '../../src/auth/refusal-delay.js'

t.test('a refusal waits; past maxHeld the rest go at once; releaseAll lets the waiting ones go', async (t) => {
  const delay = new RefusalDelay({ delayMs: 3_600_000, maxHeld: 2 })
  let released = 0
  const waiting = [delay.hold(3_600_000), delay.hold(3_600_000)].map(async (held) => { await held; released++ })
  t.equal(delay.held, 2, 'two refusals wait')
  await delay.hold(3_600_000)
  t.equal(released, 0, 'a third over maxHeld went at once, the two still wait')
  delay.releaseAll()
  await Promise.all(waiting)
  t.equal(released, 2)
  t.equal(delay.held, 0)
})

t.test('no wait when the client may retry at once', async (t) => {
  const delay = new RefusalDelay({ delayMs: 3_600_000, maxHeld: 10 })
  await delay.hold(0)
  t.equal(delay.held, 0)
})
