/**
 * Redis (REDIS_URL) goes away and comes back while the app runs: /mcp/health says `degraded` with the reason,
 * /mcp/health/ready answers 503, tool calls answer with a clear error (no crash, no hang), routes that need no
 * Redis keep working; once Redis is back, everything works again without restarting the app.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { callTool, startApp } from '../support/app.js'
import { startRedis } from '../support/redis-server.js'
import { waitFor } from '../sse/wait.js'

async function health (url: string, path: string): Promise<{ status: number, body: any }> {
  const response = await fetch(`${url}${path}`)
  return { status: response.status, body: await response.json() }
}

t.test('Redis down: degraded, not ready, clear tool errors; Redis back: full service without a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rstate-outage-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const redis = await startRedis(t, dir)
  const { url } = await startApp(t, { REDIS_URL: redis.url, DATA_DIR: join(dir, 'data') })

  const before = await health(url, '/mcp/health')
  t.equal(before.body.status, 'ok')
  t.equal(before.body.redis.reachable, true, 'health reports Redis')
  t.type(before.body.redis.latencyMs, 'number', 'with the round-trip of a real PING')
  t.same(await health(url, '/mcp/health/ready'), { status: 200, body: { ready: true, status: 'ok', reasons: [] } })
  const made = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', range: '1M' })
  t.notOk(made.body.result.isError)

  await redis.stop()
  const degraded = await waitFor('health to say degraded', async () => {
    const report = await health(url, '/mcp/health')
    return report.body.status === 'degraded' ? report : undefined
  })
  t.equal(degraded.status, 200, 'still live (not a restart reason)')
  t.equal(degraded.body.redis.reachable, false)
  t.match(degraded.body.reasons.join(' '), /Redis at redis:\/\/127\.0\.0\.1:\d+\/? is unreachable/, 'says why')
  const notReady = await health(url, '/mcp/health/ready')
  t.equal(notReady.status, 503, 'readiness fails while Redis is down')
  t.equal(notReady.body.ready, false)
  t.match(notReady.body.reasons.join(' '), /Redis/)

  const failed = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', range: '1M' })
  t.equal(failed.status, 200)
  t.equal(failed.body.result.isError, true, 'a chart cannot be recorded')
  t.match(failed.body.result.content[0].text, /shared store \(Redis\) is unreachable.*not your request's fault/)
  const status = await callTool(url, 'get_chart_status', { requestId: 'req_1_abcdef' })
  t.match(status.body.result.content[0].text, /shared store \(Redis\) is unreachable/, 'reads say the same')
  const recent = await callTool(url, 'get_recent_requests', {})
  t.match(recent.body.result.content[0].text, /shared store \(Redis\) is unreachable/)
  t.equal((await fetch(`${url}/mcp/tools`)).status, 200, 'what needs no Redis still works (the rate limit lets it through)')

  await redis.restart()
  await waitFor('readiness to return', async () => (await health(url, '/mcp/health/ready')).status === 200)
  t.equal((await health(url, '/mcp/health')).body.status, 'ok', 'health is ok again')
  const again = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', range: '1M' })
  t.notOk(again.body.result.isError, 'charts are made and recorded again')
  const requestId = /Request: (req_\S+)/.exec(again.body.result.content[0].text)?.[1] as string
  t.equal(JSON.parse((await callTool(url, 'get_chart_status', { requestId })).body.result.content[0].text).status, 'completed')
  t.equal((await fetch(`${url}/charts/${requestId}.png`)).status, 200)
})
