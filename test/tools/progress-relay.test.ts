import t from 'tap'
import { createMemoryBus } from '../../src/events/memory-bus.js'
import { relayChartProgress } from '../../src/tools/progress-relay.js'
import type { ProgressUpdate } from '../../src/tools/types.js'
import { silentLogger } from '../support/logger.js'
import { progressEvent } from '../support/sse-app.js'

t.test('concurrent calls each get their own request’s progress, increasing, and nothing after stop', async (t) => {
  const bus = createMemoryBus({ log: silentLogger })
  t.teardown(async () => { await bus.close() })
  const calls = ['a', 'b', 'c'].map((name) => {
    const progress: ProgressUpdate[] = []
    const stop = relayChartProgress(bus, `req_${name}`, (update) => { progress.push(update) })
    return { name, stop, progress }
  })
  const publish = async (requestId: string, status: 'started' | 'queued' | 'rendering' | 'completed'): Promise<void> => {
    await bus.publish({ clientId: null, event: progressEvent({ requestId, message: `${requestId} ${status}` }, { status }) })
  }
  for (const status of ['started', 'rendering'] as const) for (const { name } of calls) await publish(`req_${name}`, status)
  // A stage reported late (queued after rendering) still moves progress forward, never back.
  await publish('req_a', 'queued')
  await publish('req_someone_else', 'completed')
  calls[1].stop()
  calls[1].stop()
  for (const { name } of calls) await publish(`req_${name}`, 'completed')

  t.same(calls[0].progress.map((p) => p.message), ['req_a started', 'req_a rendering', 'req_a queued', 'req_a completed'])
  t.same(calls[0].progress.map((p) => p.progress), [5, 50, 51, 100], 'strictly increasing')
  t.ok(calls[0].progress.every((p) => p.total === 100))
  t.same(calls[1].progress.map((p) => p.message), ['req_b started', 'req_b rendering'], 'nothing after stop (stop is idempotent)')
  t.same(calls[2].progress.map((p) => p.message), ['req_c started', 'req_c rendering', 'req_c completed'])
})
