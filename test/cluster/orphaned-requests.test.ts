/**
 * A chart request whose instance died does not stay `rendering` (src/history/redis-history.ts,
 * src/redis/instance-liveness.ts): three CLI instances on their own network namespaces with one Redis; a burst of
 * heavy charts queued on A (one render worker), A killed with SIGKILL while one renders and others wait. Once A's
 * liveness key has expired, `get_chart_status` of those requests answers `failed` on the survivors, with an error that
 * tells the model what to do, and both survivors give the same record.
 */
import t from 'tap'
import { startCluster } from '../support/cluster.js'
import { callTool, heavyChartArgs } from '../support/app.js'
import { waitFor } from '../sse/wait.js'

interface Described {
  requestId: string
  status: string
  error: string | null
  completedAt: string | null
}

const HEARTBEAT_MS = 300

async function status (url: string, requestId: string): Promise<Described> {
  const { body } = await callTool(url, 'get_chart_status', { requestId })
  return JSON.parse(body.result.content[0].text) as Described
}

async function recent (url: string): Promise<Described[]> {
  const { body } = await callTool(url, 'get_recent_requests', { limit: 50 })
  return (JSON.parse(body.result.content[0].text) as { requests: Described[] }).requests
}

t.test('SIGKILL mid-render: the dead instance\'s requests answer failed on the survivors within its liveness TTL', async (t) => {
  const cluster = await startCluster(t, { instances: 3, env: { INSTANCE_HEARTBEAT_MS: String(HEARTBEAT_MS) } })
  const [a, b, c] = cluster.instances
  // Straight to A (not through nginx): every request of the burst is A's. Their HTTP answers die with A.
  const burst = Promise.all(Array.from({ length: 20 }, async (_, i) => await callTool(a.url, 'generate_chart', heavyChartArgs(i % 28)).catch(() => null)))
  const inFlight = await waitFor('B to see one of A\'s charts rendering and others queued', async () => {
    const rows = await recent(b.url)
    const rendering = rows.filter((row) => row.status === 'rendering')
    const pending = rows.filter((row) => row.status === 'pending')
    return rendering.length >= 1 && pending.length >= 1 ? [...rendering, ...pending] : undefined
  }, 120_000)
  t.equal((await status(c.url, inFlight[0].requestId)).status, 'rendering', 'while A lives, its rendering chart reads as rendering on C')
  await a.kill('SIGKILL')
  const killedAt = Date.now()
  t.comment(`network: ${cluster.network}; killed A with ${inFlight.length} of its requests unfinished`)
  await burst

  const watched = inFlight[0]
  const failed = await waitFor(`get_chart_status of ${watched.requestId} on B to say failed`, async () => {
    const found = await status(b.url, watched.requestId)
    return found.status === 'failed' ? found : undefined
  }, 60_000)
  t.comment(`failed ${Date.now() - killedAt} ms after the kill (liveness TTL ${3 * HEARTBEAT_MS} ms)`)
  t.equal(failed.error, 'The server instance rendering this chart stopped before it finished; generate it again.', 'with an error a model can act on')
  t.ok(failed.completedAt !== null, 'and a completion time')
  t.same(await status(c.url, watched.requestId), failed, 'C answers the same record: the survivors agree')

  // Every request A left queued or rendering: failed the same way, in the listing too.
  const after = new Map((await recent(c.url)).map((row) => [row.requestId, row]))
  for (const row of inFlight) {
    const now = after.get(row.requestId)
    t.equal(now?.status, 'failed', `${row.requestId} (was ${row.status}) reads as failed in get_recent_requests on C`)
    t.match(now?.error, /stopped before it finished; generate it again/)
  }
  t.notOk([...after.values()].some((row) => row.status === 'pending' || row.status === 'rendering'), 'nothing of A\'s stays pending or rendering')
})
