import t from 'tap'
import { createMemoryBus } from '../../src/events/memory-bus.js'
import { createProgressRelay, type ToolExtra } from '../../src/mcp/progress-relay.js'
import { silentLogger } from '../support/logger.js'
import { progressEvent } from '../support/sse-app.js'

/** A tool call's `extra` that records the progress notifications it is asked to send. */
function recordingExtra (progressToken: string): { extra: ToolExtra, progress: Array<{ progress: number, message: string }> } {
  const progress: Array<{ progress: number, message: string }> = []
  const extra = {
    _meta: { progressToken },
    sendNotification: async (notification: { method: string, params: { progress: number, message: string } }) => {
      if (notification.method === 'notifications/progress') progress.push({ progress: notification.params.progress, message: notification.params.message })
    }
  } as unknown as ToolExtra
  return { extra, progress }
}

t.test('concurrent calls each get their own request’s progress, increasing, and nothing after stop', async (t) => {
  const bus = createMemoryBus({ log: silentLogger })
  t.teardown(async () => { await bus.close() })
  const calls = ['a', 'b', 'c'].map((name) => {
    const { extra, progress } = recordingExtra(name)
    const relay = createProgressRelay(bus, extra, async () => {})
    relay.follow(`req_${name}`)
    return { name, relay, progress }
  })
  const publish = async (requestId: string, status: 'started' | 'rendering' | 'completed'): Promise<void> => {
    await bus.publish({ clientId: null, event: progressEvent({ requestId, message: `${requestId} ${status}` }, { status }) })
  }
  for (const status of ['started', 'rendering'] as const) for (const { name } of calls) await publish(`req_${name}`, status)
  await publish('req_someone_else', 'completed')
  calls[1].relay.stop()
  for (const { name } of calls) await publish(`req_${name}`, 'completed')
  for (const { relay } of calls) await relay.settled()

  t.same(calls[0].progress.map((p) => p.message), ['req_a started', 'req_a rendering', 'req_a completed'])
  t.same(calls[1].progress.map((p) => p.message), ['req_b started', 'req_b rendering'], 'nothing after stop')
  t.same(calls[2].progress.map((p) => p.message), ['req_c started', 'req_c rendering', 'req_c completed'])
  t.same(calls[0].progress.map((p) => p.progress), [5, 50, 100], 'strictly increasing')
})
