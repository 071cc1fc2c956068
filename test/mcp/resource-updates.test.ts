/**
 * `notifications/resources/updated` of a 2025-era session shared by three instances (REDIS_URL; src/mcp/shared-sessions.ts):
 * every copy of the session that watches a chart hears it complete, and only the copy holding the client's GET stream
 * tells the client. Subscriptions and unsubscriptions taken by other instances reach that copy; each update arrives
 * exactly once, and no Redis key is written per notification to decide who sends it.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'
import { connectResourceWatcher, startMcpApp, type McpApp } from './helper.js'

type Instance = 'A' | 'B' | 'C'

t.test('subscriptions taken on A and B, GET stream on C: every update once, an unsubscribed one never', async (t) => {
  const server = await startRedis(t, t.testdir())
  const root = t.testdir()
  const apps = {} as Record<Instance, McpApp>
  for (const name of ['A', 'B', 'C'] as const) {
    mkdirSync(join(root, name))
    apps[name] = await startMcpApp({ testdir: () => join(root, name), teardown: (fn) => { t.teardown(fn) } }, { REDIS_URL: server.url })
    // A chart takes 2 × 2 s: long enough to subscribe to it while it renders.
    if (apps[name].engine !== undefined) apps[name].engine.stageMs = 2000
  }
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })

  // Where the next POST goes; the GET stream always to C, as a load balancer without stickiness may do.
  let next: Instance = 'A'
  const transport = new StreamableHTTPClientTransport(new URL(apps.A.url), {
    fetch: async (input, init) => {
      const url = new URL(String(input instanceof Request ? input.url : input))
      const target = (init?.method ?? 'GET') === 'GET' ? 'C' : next
      return await fetch(apps[target].url + url.search, init)
    }
  })
  const { client, updated, sessionId } = await connectResourceWatcher(t, transport)
  await waitFor('the GET stream open on C', () => apps.C.app.mcp.sessions.has(sessionId))
  await waitFor('C named the holder of the GET stream in the session record', async () => await redis.hget(`chart-img-mcp:mcp:session:${sessionId}`, 'stream') === apps.C.app.core.shared?.liveness.id)

  /** Starts a chart on `on` and resolves with its resource URI once it is recorded (it is still rendering). */
  const startChart = async (on: Instance, symbol: string): Promise<{ uri: string, done: Promise<unknown> }> => {
    next = on
    const before = new Set((await apps[on].app.core.charts.recent(50, null)).map((r) => r.requestId))
    const done = client.callTool({ name: 'generate_chart', arguments: { symbol } })
    const record = await waitFor(`the chart on ${on}`, async () => (await apps[on].app.core.charts.recent(50, null)).find((r) => !before.has(r.requestId)))
    return { uri: `chart://requests/${record.requestId}`, done }
  }
  const subscribe = async (on: Instance, uri: string): Promise<void> => {
    next = on
    await client.subscribeResource({ uri })
  }

  const first = await startChart('B', 'SP:SPX')
  await subscribe('A', first.uri)
  const second = await startChart('A', 'SP:SPX')
  await subscribe('B', second.uri)
  const dropped = await startChart('B', 'SP:SPX')
  await subscribe('A', dropped.uri)
  next = 'B'
  await client.unsubscribeResource({ uri: dropped.uri })
  await Promise.all([first.done, second.done, dropped.done])
  // A chart finished after the others, watched through B: once its update is here, so is any earlier one C sent.
  const last = await startChart('A', 'SP:SPX')
  await subscribe('B', last.uri)
  await last.done
  await waitFor('the last update', () => updated.includes(last.uri))

  t.same([...updated].sort(), [first.uri, second.uri, last.uri].sort(), 'each watched chart\'s update once; none for the unsubscribed one')
  const stored = await redis.xrange(`chart-img-mcp:mcp:events:${sessionId}:_GET_stream`, '-', '+')
  t.equal(stored.filter(([, fields]) => fields[1].includes('notifications/resources/updated')).length, 3, 'the GET stream stored three updates: each sent by one copy')
  t.same(await redis.keys('chart-img-mcp:mcp:session:*:sent:*'), [], 'no per-notification key decides who sends')
})
