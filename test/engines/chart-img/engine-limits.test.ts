import t from 'tap'
import { createDailyUsage } from '../../../src/engines/chart-img/daily-usage.js'
import { openSqlite } from '../../../src/sqlite/database.js'
import { chartRequest, rejectionOf, renderContext, setup } from './harness.js'

t.test('plan refusals happen before any request is made', async (t) => {
  const { fake, engine } = await setup(t, { engine: { plan: 'BASIC' } })
  let e = await rejectionOf(engine.render(chartRequest({ width: 1920, height: 1080 }), renderContext()))
  t.equal(e.code, 'PLAN_LIMIT')
  t.equal(e.message, 'BASIC plan allows at most 800x600; asked 1920x1080. Use width ≤ 800 and height ≤ 600, or set CHART_IMG_PLAN if your plan is larger.')

  e = await rejectionOf(engine.render(chartRequest({
    studies: [{ name: 'Volume' }, { name: 'MACD' }, { name: 'Relative Strength Index' }],
    drawings: [{ name: 'Horizontal Line', input: { price: 1 } }]
  }), renderContext()))
  t.equal(e.code, 'PLAN_LIMIT')
  t.equal(e.message, 'BASIC plan allows at most 3 studies and drawings together; asked 4 (3 studies, 1 drawing). Remove 1, or set CHART_IMG_PLAN if your plan is larger.')

  t.equal(fake.requests.length, 0, 'no call was spent')
  t.match(await engine.status(), { ready: true, detail: 'Chart-IMG, BASIC plan, 0/50 requests used today (UTC)' })
})

// The schedule itself (when each token comes) is tested with a manual clock in token-bucket.test.ts; here, only
// order and counts, so the test cannot depend on how fast this machine is.
t.test('throttle: BASIC bursts 3, then queues the 4th; FIFO; waiting is a stage, not a failure', async (t) => {
  const { fake, engine } = await setup(t, { engine: { plan: 'BASIC' }, fake: { plan: 'BASIC' } })
  const contexts = Array.from({ length: 4 }, () => renderContext())
  const results = await Promise.all(contexts.map(async (context, i) => {
    return await engine.render(chartRequest({ width: 400 + i, height: 300 }), context)
  }))
  t.equal(results.length, 4)
  t.same(fake.requests.map((r) => r.status), [200, 200, 200, 200])
  t.same(fake.requests.map((r) => (r.body as { width: number }).width), [400, 401, 402, 403], 'FIFO order')
  t.same(contexts.map((c) => c.stages[0].status), ['requesting', 'requesting', 'requesting', 'queued'])
  const queued = contexts[3].stages[0]
  t.ok((queued.delayMs ?? 0) > 0, 'queued stage tells the expected wait')
  t.match(queued.message, /BASIC plan's rate limit/)
  t.same(contexts[3].stages.map((s) => s.status), ['queued', 'requesting'])
})

t.test('a queued request whose caller aborts leaves the queue without a request', async (t) => {
  const { fake, engine } = await setup(t, { engine: { plan: 'BASIC' } })
  await Promise.all([1, 2, 3].map(async () => await engine.render(chartRequest(), renderContext())))
  const controller = new AbortController()
  const pending = engine.render(chartRequest(), { signal: controller.signal, onStage: (s) => { if (s.status === 'queued') controller.abort() } })
  const e = await rejectionOf(pending)
  t.equal(e.code, 'CANCELLED')
  t.equal(fake.requests.length, 3)
})

t.test('close() rejects requests waiting for the throttle', async (t) => {
  const { fake, engine } = await setup(t, { engine: { plan: 'BASIC' } })
  await Promise.all([1, 2, 3].map(async () => await engine.render(chartRequest(), renderContext())))
  const pending = engine.render(chartRequest(), renderContext())
  await engine.close()
  t.equal((await rejectionOf(pending)).code, 'CANCELLED')
  t.equal(fake.requests.length, 3)
})

t.test('daily cap: counted in SQLite, survives a restart, refusal says when the day resets', async (t) => {
  let now = Date.parse('2026-03-10T18:30:00Z')
  const { fake, engine, restart, dbFile } = await setup(t, { engine: { plan: 'BASIC', now: () => now } })
  const db = openSqlite(dbFile)
  t.teardown(() => db.close())
  const usage = createDailyUsage(db)
  db.transaction(() => { for (let i = 0; i < 48; i++) usage.increment('2026-03-10') })()

  await engine.render(chartRequest(), renderContext())
  t.match(await engine.status(), { ready: true, detail: 'Chart-IMG, BASIC plan, 49/50 requests used today (UTC)' })
  await engine.render(chartRequest(), renderContext())
  t.equal(await usage.count('2026-03-10'), 50, 'each request is counted in the shared file')

  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'PLAN_LIMIT')
  t.equal(e.message, 'BASIC plan allows 50 Chart-IMG requests per day; 50 used today (UTC). ' +
    'The count resets at 2026-03-11T00:00:00.000Z (in 5 h 30 min), or set CHART_IMG_PLAN if your plan is larger.')
  t.equal(e.retryAfterSeconds, 5.5 * 3600)
  t.equal(fake.requests.length, 2)

  await engine.close()
  const afterRestart = restart()
  t.equal((await rejectionOf(afterRestart.render(chartRequest(), renderContext()))).code, 'PLAN_LIMIT', 'the cap holds after a restart')
  t.equal((await rejectionOf(afterRestart.listSymbols({ exchange: 'NASDAQ' }))).code, 'PLAN_LIMIT', 'symbol listings count too')
  t.equal(fake.requests.length, 2)

  now = Date.parse('2026-03-11T00:00:01Z')
  const result = await afterRestart.render(chartRequest(), renderContext())
  t.equal(result.kind, 'image', 'a new UTC day starts a new count')
  t.equal(await usage.count('2026-03-11'), 1)
})

t.test('ENTERPRISE has no local daily cap (Chart-IMG sells it as 5,000+)', async (t) => {
  const now = Date.parse('2026-03-10T10:00:00Z')
  const { engine, dbFile } = await setup(t, { engine: { plan: 'ENTERPRISE', now: () => now } })
  const db = openSqlite(dbFile)
  t.teardown(() => db.close())
  const usage = createDailyUsage(db)
  db.transaction(() => { for (let i = 0; i < 6000; i++) usage.increment('2026-03-10') })()
  t.equal((await engine.render(chartRequest(), renderContext())).kind, 'image')
  t.match(await engine.status(), { detail: 'Chart-IMG, ENTERPRISE plan, 6001 requests used today (UTC)' })
})

t.test('status: not ready after an AUTH rejection, ready again after a success; never calls the API', async (t) => {
  const { fake, engine, restart } = await setup(t, { engine: { apiKey: 'wrong-key-1234567890' } })
  t.match(await engine.status(), { ready: true })
  t.equal((await rejectionOf(engine.render(chartRequest(), renderContext()))).code, 'AUTH')
  t.same(await engine.status(), { ready: false, detail: 'Chart-IMG rejected the API key; check CHART_IMG_API_KEY' })
  t.equal(fake.requests.length, 1, 'status() made no request')

  const good = restart({ apiKey: fake.apiKey })
  t.match(await good.status(), { ready: true })
  const none = restart({ apiKey: '' })
  t.same(await none.status(), { ready: false, detail: 'CHART_IMG_API_KEY is not set' })
  t.equal((await rejectionOf(none.render(chartRequest(), renderContext()))).code, 'AUTH')
  t.equal(fake.requests.length, 1)
})

t.test('status recovers when a later call succeeds', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'status', status: 403, message: 'Invalid API Key' })
  await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.match(await engine.status(), { ready: false })
  await engine.render(chartRequest(), renderContext())
  t.match(await engine.status(), { ready: true })
})
