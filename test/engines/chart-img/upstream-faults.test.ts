/**
 * Chart-IMG faults beyond plain statuses: 502/503 retried like the other 5xx, a response-size cap (declared and
 * chunked bodies), a truncated body, and time-based `requesting` heartbeats while an attempt waits.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { chartRequest, rejectionOf, renderContext, setup } from './harness.js'

for (const status of [502, 503]) {
  t.test(`${status} is retried with backoff, then succeeds`, async (t) => {
    const { fake, engine, sleeps } = await setup(t)
    fake.script({ kind: 'status', status })
    const context = renderContext()
    const result = await engine.render(chartRequest(), context)
    t.equal(result.kind, 'image')
    t.equal(fake.requests.length, 2, 'one retry')
    t.equal(sleeps.length, 1)
    t.same(context.stages.map((s) => [s.status, s.attempt]), [['requesting', 1], ['retrying', 2], ['requesting', 2]])
  })

  t.test(`${status} on every attempt: UPSTREAM after maxAttempts, attempts bounded`, async (t) => {
    const { fake, engine, sleeps } = await setup(t)
    fake.script({ kind: 'status', status }, { kind: 'status', status }, { kind: 'status', status }, { kind: 'status', status })
    const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
    t.equal(e.code, 'UPSTREAM')
    t.match(e.message, new RegExp(`${status}.*after 3 attempts`))
    t.equal(fake.requests.length, 3)
    t.equal(sleeps.length, 2)
  })
}

t.test('a body above the cap (Content-Length) fails at once, not retried, and names the setting', async (t) => {
  const { fake, engine, sleeps } = await setup(t, { engine: { maxResponseBytes: 65_536 } })
  fake.script({ kind: 'raw', contentType: 'image/png', body: Buffer.alloc(200_000, 1) })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /larger than 65536 bytes.*CHART_IMG_MAX_RESPONSE_BYTES/)
  t.equal(fake.requests.length, 1)
  t.same(sleeps, [])
})

t.test('a chunked body is cut off as soon as it passes the cap', async (t) => {
  const { fake, engine } = await setup(t, { engine: { maxResponseBytes: 1024 * 1024 } })
  // 64 MiB offered in 64 KiB chunks; the client stops reading after ~1 MiB.
  fake.script({ kind: 'stream', contentType: 'image/png', chunk: Buffer.alloc(65_536, 1), count: 1024 })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /larger than 1 MiB/)
  t.equal(fake.requests.length, 1)
  // The engine still works afterwards (the connection was released).
  const result = await engine.render(chartRequest(), renderContext())
  t.equal(result.kind, 'image')
})

t.test('a truncated body is a connection failure: retried, then a clear UPSTREAM error', async (t) => {
  const { fake, engine } = await setup(t)
  const truncated = { kind: 'truncated', contentType: 'image/png', body: Buffer.alloc(100, 1), declaredBytes: 10_000 } as const
  fake.script(truncated, truncated, truncated)
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /Could not reach Chart-IMG|after 3 attempts/)
  t.equal(fake.requests.length, 3, 'bounded by maxAttempts')
})

t.test('an attempt that waits repeats its requesting stage every heartbeatMs until the answer', async (t) => {
  const { fake, engine } = await setup(t, { engine: { heartbeatMs: 50, timeoutMs: 600_000 } })
  fake.script({ kind: 'hang' })
  const controller = new AbortController()
  const stages: string[] = []
  // Positive signal: the render is cancelled once two heartbeats have arrived, however long that takes.
  const rendering = engine.render(chartRequest(), {
    signal: controller.signal,
    onStage: (stage) => {
      stages.push(stage.message)
      if (stages.filter((m) => m.startsWith('Still waiting')).length === 2) controller.abort()
    }
  })
  const e = await rejectionOf(rendering)
  t.equal(e.code, 'CANCELLED')
  const beats = stages.filter((m) => m.startsWith('Still waiting'))
  t.equal(beats.length, 2)
  t.match(beats[0], /^Still waiting for Chart-IMG \(attempt 1 of 3, \d+ s so far\)$/)
  const before = stages.length
  // No heartbeat after the call ended: the next stage is the next call's own.
  await engine.render(chartRequest(), renderContext())
  t.equal(stages.length, before, 'the finished call\'s heartbeat timer is gone')
})

t.test('health: Chart-IMG unreachable makes status carry a problem (cached), reachable again clears it', async (t) => {
  const { fake, restart } = await setup(t)
  let clock = 1_000_000
  // A port nobody listens on any more: connection refused at once.
  const closed = createServer().listen(0, '127.0.0.1')
  await once(closed, 'listening')
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const dead = restart({ baseUrl: `http://127.0.0.1:${port}`, now: () => clock })
  const down = await dead.status()
  t.equal(down.ready, true, 'an unreachable upstream does not stop the server from trying')
  t.match(down.problem, new RegExp(`Chart-IMG at http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\)`))

  const live = restart({ now: () => clock })
  t.notOk((await live.status()).problem)
  const heads = (): number => fake.probes
  const before = heads()
  for (let i = 0; i < 20; i++) await live.status()
  t.equal(heads(), before, 'probes are cached: 20 status calls, no new probe')
  clock += 61_000
  await live.status()
  t.equal(heads(), before + 1, 'probed again once the cache expired')
})
