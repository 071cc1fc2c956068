import t from 'tap'
import { createMemoryBus } from '../../src/events/memory-bus.js'
import type { BusMessage } from '../../src/events/types.js'
import { progressEvent } from '../support/sse-app.js'

function recordingLog () {
  const errors: unknown[] = []
  const log = { debug () {}, info () {}, warn () {}, error (obj: unknown) { errors.push(obj) } }
  return { log, errors }
}

const message = (clientId: string | null = 'c1'): BusMessage => ({ clientId, event: progressEvent() })

t.test('delivers to every subscriber; unsubscribe is idempotent', async (t) => {
  const { log } = recordingLog()
  const bus = createMemoryBus({ log })
  const a: BusMessage[] = []
  const b: BusMessage[] = []
  const offA = bus.subscribe((m) => a.push(m))
  bus.subscribe((m) => b.push(m))
  const first = message()
  await bus.publish(first)
  t.same(a, [first])
  t.same(b, [first])
  offA()
  offA()
  await bus.publish(message(null))
  t.equal(a.length, 1, 'unsubscribed listener gets nothing more')
  t.equal(b.length, 2, 'the other listener is unaffected by the double unsubscribe')
  await bus.close()
})

t.test('the same function subscribed twice gets two independent subscriptions', async (t) => {
  const bus = createMemoryBus({ log: recordingLog().log })
  let calls = 0
  const listener = (): void => { calls++ }
  const off1 = bus.subscribe(listener)
  bus.subscribe(listener)
  await bus.publish(message())
  t.equal(calls, 2)
  off1()
  await bus.publish(message())
  t.equal(calls, 3)
  await bus.close()
})

t.test('a throwing listener is logged and does not stop delivery or reject publish', async (t) => {
  const { log, errors } = recordingLog()
  const bus = createMemoryBus({ log })
  const seen: string[] = []
  bus.subscribe(() => { seen.push('before') })
  bus.subscribe(() => { throw new Error('listener bug') })
  bus.subscribe(() => { seen.push('after') })
  await t.resolves(bus.publish(message()))
  t.same(seen, ['before', 'after'])
  t.equal(errors.length, 1)
  await bus.close()
})

t.test('close is idempotent; publish after close is a no-op', async (t) => {
  const bus = createMemoryBus({ log: recordingLog().log })
  let calls = 0
  bus.subscribe(() => { calls++ })
  await bus.close()
  await bus.close()
  await t.resolves(bus.publish(message()))
  bus.subscribe(() => { calls++ })()
  await bus.publish(message())
  t.equal(calls, 0)
})
