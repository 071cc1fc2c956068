/**
 * Chart events stored once, by their publisher (REDIS_URL, src/events/redis-store-publish.ts): one script per bus
 * message numbers, stores and publishes it, whatever the number of instances and registries; the subscribers take the
 * number from the message. Real redis-server; the Redis commands are counted with MONITOR on a separate connection.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { DEFAULT_REDIS_CHANNEL } from '../../src/events/redis-bus.js'
import { startRedis } from '../support/redis-server.js'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { startMcpApp } from '../mcp/helper.js'
import { openStream, type StreamClient } from './stream-client.js'
import { waitFor } from './wait.js'

const progressOf = (stream: StreamClient): Array<{ id: string, requestId: string }> => stream.events()
  .filter((e) => e.event === 'chart_progress')
  .map((e) => ({ id: e.id as string, requestId: (JSON.parse(e.data ?? '{}') as { requestId: string }).requestId }))

/** seed 000's `/sse` messages: chart progress is a JSON-RPC notification. */
const seedProgressOf = (stream: StreamClient): string[] => stream.events()
  .map((e) => JSON.parse(e.data ?? '{}') as { method?: string, params?: { data?: { status?: string } } })
  .filter((m) => m.method === 'notifications/chart_progress')
  .map((m) => m.params?.data?.status ?? '')

t.test('one chart across three instances: one store script per bus message, none from the subscribers', async (t) => {
  const root = t.testdir()
  for (const dir of ['redis', 'a', 'b', 'c']) mkdirSync(join(root, dir))
  const server = await startRedis(t, join(root, 'redis'))
  const start = async (name: string): Promise<string> => (await startMcpApp({ testdir: () => join(root, name), teardown: (fn) => { t.teardown(fn) } }, { REDIS_URL: server.url })).base
  const [a, b, c] = [await start('a'), await start('b'), await start('c')]
  // The chart's channel is open in both registries, on two instances; the third makes the chart.
  const events = await openStream(t, `${a}/mcp/events/watcher`)
  const seed = await openStream(t, `${b}/sse?clientId=watcher`)
  await waitFor('both streams connected', () => events.events().length > 0 && seed.events().length > 0)

  const client = new Redis(server.url)
  const monitor = await client.monitor()
  t.teardown(() => { monitor.disconnect(); client.disconnect() })
  const commands: Array<{ name: string, args: string[], source: string }> = []
  monitor.on('monitor', (_time: string, args: string[], source: string) => { commands.push({ name: args[0].toLowerCase(), args: args.slice(1), source }) })
  // MONITOR is on once it shows a command sent after it.
  const probe = new Redis(server.url)
  t.teardown(() => { probe.disconnect() })
  await waitFor('MONITOR running', async () => { await probe.ping('monitor-probe'); return commands.some((c) => c.args[0] === 'monitor-probe') })

  const response = await fetch(`${c}/mcp/tools/generate_chart`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-client-id': 'watcher' }, body: JSON.stringify({ symbol: 'SP:SPX' }) })
  t.equal(response.status, 200, 'the chart is made')
  await response.text()
  await waitFor('the completed event on /mcp/events', () => events.text().includes('"completed"'))
  await waitFor('the completed event on /sse', () => seedProgressOf(seed).includes('completed'))
  const published = progressOf(events).length
  t.ok(published >= 3, `the chart's bus messages reached /mcp/events (${published})`)
  t.equal(seedProgressOf(seed).length, published, 'and /sse, the same ones')
  // The last message's commands have run by the time its event was delivered (the PUBLISH is in the same script).
  await probe.ping('monitor-end')
  await waitFor('MONITOR caught up', () => commands.some((c) => c.args[0] === 'monitor-end'))

  const replayScripts = commands.filter((c) => c.name === 'eval' && c.args.some((arg) => arg.includes(':replay:')))
  const stores = replayScripts.filter((c) => c.args.some((arg) => arg.includes(':replay:channel:')))
  t.equal(stores.length, published, 'exactly one store script per bus message')
  t.equal(replayScripts.length, stores.length, 'no other script on the replay keys: the subscribers make no Redis call per event')
  const xadds = commands.filter((c) => c.name === 'xadd')
  t.equal(xadds.length, published, 'each event stored once, for both registries')
  t.ok(xadds.every((c) => c.args[0] === 'chart-img-mcp:replay:channel:watcher'), 'in the channel\'s one stream')
  t.equal(commands.filter((c) => c.name === 'publish').length, published, 'and published once, by the same script')
  t.notOk(commands.some((c) => c.args.some((arg) => arg.includes(':msg:'))), 'no per-message dedupe key')
})

t.test('two identical messages back to back: both delivered, both replayed', async (t) => {
  const server = await startRedis(t, t.testdir())
  const a = await buildSseApp(t, { config: { REDIS_URL: server.url } })
  const b = await buildSseApp(t, { config: { REDIS_URL: server.url } })
  const first = await openStream(t, a.eventsUrl('twice'))
  await waitFor('connected', () => first.events().length > 0)
  const connectedId = first.events()[0].id as string
  const event = progressEvent()
  await b.app.bus.publish({ clientId: 'twice', event })
  await b.app.bus.publish({ clientId: 'twice', event })
  await waitFor('both live', () => progressOf(first).length === 2)
  const live = progressOf(first)
  t.same(live.map((e) => e.requestId), [event.requestId, event.requestId], 'the same event twice, as published twice')
  t.not(live[0].id, live[1].id, 'under two ids')
  first.abort()
  await waitFor('A saw the disconnect', () => a.app.channels.clientCount === 0)

  const resumed = await openStream(t, b.eventsUrl('twice'), { 'last-event-id': connectedId })
  await waitFor('the replay', () => progressOf(resumed).length === 2)
  t.same(progressOf(resumed), live, 'both replayed, with the ids they were sent under')
  t.equal(resumed.events().filter((e) => e.event === 'events_missed').length, 0, 'nothing reported missing')
})

t.test('a message without a number (an instance that does not number events): delivered live, not stored', async (t) => {
  const server = await startRedis(t, t.testdir())
  const app = await buildSseApp(t, { config: { REDIS_URL: server.url } })
  const stream = await openStream(t, app.eventsUrl('older'))
  await waitFor('connected', () => stream.events().length > 0)
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  const unnumbered = progressEvent()
  await redis.publish(DEFAULT_REDIS_CHANNEL, JSON.stringify({ clientId: 'older', owner: null, event: unnumbered }))
  const numbered = progressEvent()
  await app.app.bus.publish({ clientId: 'older', event: numbered })
  await waitFor('both live', () => progressOf(stream).length === 2)
  t.same(progressOf(stream).map((e) => e.requestId), [unnumbered.requestId, numbered.requestId], 'both delivered, in bus order')
  const ids = progressOf(stream).map((e) => Number(e.id.split('-')[1]))
  t.ok(ids[0] < ids[1], `ids still rise (${ids.join(' < ')})`)
  const stored = await redis.xrange('chart-img-mcp:replay:channel:older', '-', '+')
  t.same(stored.map(([, fields]) => (JSON.parse(fields[1]) as { requestId: string }).requestId), [numbered.requestId], 'only the numbered one is stored')
})
