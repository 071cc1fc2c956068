/**
 * Chart-IMG daily usage across instances (REDIS_URL): two app instances spend from one daily cap, counted in Redis
 * under `chartimg:usage:<UTC day>`, against the fake Chart-IMG; the cap reached through A is refused on B without
 * an upstream call.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t from 'tap'
import { callTool, startApp } from '../../support/app.js'
import { startFakeChartImg } from '../../support/fake-chart-img.js'
import { startRedis } from '../../support/redis-server.js'
import { waitFor } from '../../sse/wait.js'

t.test('two instances count Chart-IMG requests in one daily total', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rstate-usage-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  const server = await startRedis(t, dir)
  const fake = await startFakeChartImg({ plan: 'BASIC' })
  t.teardown(async () => { await fake.close() })
  const config = { REDIS_URL: server.url, CHART_IMG_API_KEY: fake.apiKey, CHART_IMG_BASE_URL: fake.url, CHART_IMG_PLAN: 'BASIC' as const }
  const a = await startApp(t, { ...config, DATA_DIR: join(dir, 'a') })
  const b = await startApp(t, { ...config, DATA_DIR: join(dir, 'b') })
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  const key = `chart-img-mcp:chartimg:usage:${new Date().toISOString().slice(0, 10)}`

  // 45 spent earlier today (by any instance); the BASIC plan allows 50.
  await redis.set(key, '45')
  for (const url of [a.url, b.url, a.url]) {
    const made = await callTool(url, 'generate_chart', { symbol: 'NASDAQ:AAPL', interval: '1D', width: 800, height: 600 })
    t.notOk(made.body.result.isError, `a chart through ${url === a.url ? 'A' : 'B'}`)
  }
  const spent = fake.requests.length
  t.ok(spent >= 3, `${spent} Chart-IMG requests made`)
  t.equal(await redis.get(key), String(45 + spent), 'every request of both instances counted in one total')
  t.ok(await redis.ttl(key) > 0, 'the day\'s count expires')
  for (const url of [a.url, b.url]) {
    const health = await (await fetch(`${url}/mcp/health`)).json() as { engineDetail: string }
    t.match(health.engineDetail, `${45 + spent}/50 requests used today`, 'both instances report the shared count')
  }

  await redis.set(key, '50')
  const refused = await callTool(b.url, 'generate_chart', { symbol: 'NASDAQ:AAPL', interval: '1D', width: 800, height: 600 })
  t.equal(refused.body.result.isError, true, 'the cap reached elsewhere holds on B')
  t.match(refused.body.result.content[0].text, /BASIC plan allows 50 Chart-IMG requests per day; 50 used today/)
  t.equal(fake.requests.length, spent, 'refused before any upstream call')

  // The last request of the day asked for on A and B at once: one gets it, the other is refused; the count stays 50.
  await redis.set(key, '49')
  const both = await Promise.all([a.url, b.url].map(async (url) => await callTool(url, 'generate_chart', { symbol: 'NASDAQ:MSFT', interval: '1D', width: 800, height: 600 })))
  t.same(both.map((call) => call.body.result.isError === true).sort(), [false, true], 'exactly one of the two is made')
  t.equal(await redis.get(key), '50', 'the cap is never passed')

  // Redis down: health still answers (the day's count unknown, Redis named as the reason), never a 500.
  await server.stop()
  // The Redis probe is cached for a second: wait for health to notice, every answer on the way being a real one.
  const statuses = new Set<number>()
  const body = await waitFor('health to say degraded', async () => {
    const health = await fetch(`${a.url}/mcp/health`)
    statuses.add(health.status)
    const answer = await health.json() as { status?: string, engineDetail: string }
    return answer.status === 'degraded' || health.status >= 500 ? answer : undefined
  })
  t.same([...statuses], [200], 'health answers 200 while Redis is down, never a 500')
  t.match(body.engineDetail, /unknown \(the shared store is unreachable\)/)
})
