import t from 'tap'
import jpeg from 'jpeg-js'
import { BODY_FIELDS } from '../../../src/engines/chart-img/request-body.js'
import { chartRequest, rejectionOf, renderContext, setup } from './harness.js'

t.test('PNG render: one POST to v2 with x-api-key and only v2 body fields; Volume travels as a study', async (t) => {
  const { fake, engine } = await setup(t)
  const context = renderContext()
  const result = await engine.render(chartRequest({
    width: 640,
    height: 400,
    range: { from: '2024-01-01', to: '2024-06-30' },
    studies: [{ name: 'Volume', forceOverlay: true }, { name: 'Relative Strength Index', input: { length: 14 } }],
    drawings: [{ name: 'Horizontal Line', input: { price: 155, text: 'Resistance' } }]
  }), context)

  t.equal(result.kind, 'image')
  if (result.kind !== 'image') return
  t.equal(result.mimeType, 'image/png')
  t.same([result.width, result.height], [640, 400], 'size read from the PNG header')
  t.same(result.data.subarray(0, 4), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  t.same(result.notes, [])

  t.equal(fake.requests.length, 1)
  const [sent] = fake.requests
  t.equal(sent.method, 'POST')
  t.equal(sent.path, '/v2/tradingview/advanced-chart')
  t.equal(sent.key, 'valid', 'key sent in x-api-key')
  t.equal(sent.headers['x-api-key'], '[redacted]')
  t.equal(sent.headers['content-type'], 'application/json')
  t.same(sent.query, {}, 'no key in the query string')
  t.same(sent.body, {
    symbol: 'NASDAQ:AAPL',
    interval: '1D',
    width: 640,
    height: 400,
    style: 'candle',
    theme: 'light',
    format: 'png',
    range: { from: '2024-01-01T00:00:00.000Z', to: '2024-06-30T00:00:00.000Z' },
    timezone: 'Etc/UTC',
    studies: [{ name: 'Volume', forceOverlay: true }, { name: 'Relative Strength Index', input: { length: 14 } }],
    drawings: [{ name: 'Horizontal Line', input: { price: 155, text: 'Resistance' } }]
  })
  const keys = Object.keys(sent.body as object)
  t.ok(keys.every((k) => (BODY_FIELDS as readonly string[]).includes(k)), `only v2 fields: ${keys.join(',')}`)
  t.notOk('storage' in (sent.body as object), 'storage is never a body field')
  t.same(context.stages.map((s) => s.status), ['requesting'])
  t.equal(context.stages[0].attempt, 1)
})

t.test('undefined and empty fields are omitted', async (t) => {
  const { fake, engine } = await setup(t)
  await engine.render(chartRequest(), renderContext())
  t.same(Object.keys(fake.requests[0].body as object).sort(), ['format', 'height', 'interval', 'style', 'symbol', 'theme', 'timezone', 'width'])
})

t.test('JPEG render: mimeType from content-type, bytes decode', async (t) => {
  const { fake, engine } = await setup(t)
  const result = await engine.render(chartRequest({ format: 'jpeg', width: 400, height: 300 }), renderContext())
  t.equal(result.kind, 'image')
  if (result.kind !== 'image') return
  t.equal(result.mimeType, 'image/jpeg')
  t.same([result.width, result.height], [400, 300])
  const decoded = jpeg.decode(result.data)
  t.same([decoded.width, decoded.height], [400, 300])
  t.equal((fake.requests[0].body as { format: string }).format, 'jpeg')
})

t.test('storage mode posts to /storage and reads expireAt', async (t) => {
  const { fake, engine } = await setup(t)
  const result = await engine.render(chartRequest({ storage: true }), renderContext())
  t.equal(fake.requests[0].path, '/v2/tradingview/advanced-chart/storage')
  t.notOk('storage' in (fake.requests[0].body as object))
  t.equal(result.kind, 'stored')
  if (result.kind !== 'stored') return
  t.match(result.url, /^http:\/\/127\.0\.0\.1:\d+\/storage\/1\.png$/)
  t.match(result.expiresAt, /^\d{4}-\d\d-\d\dT/)
  t.equal(result.etag, '"etag-1"')
  t.type(result.size, 'number')
  t.same(result.notes, [])
})

t.test('storage mode reads the older `expire` name too', async (t) => {
  const { engine } = await setup(t, { fake: { storageExpiryField: 'expire' } })
  const result = await engine.render(chartRequest({ storage: true }), renderContext())
  t.equal(result.kind, 'stored')
  if (result.kind !== 'stored') return
  t.ok(result.expiresAt !== null && Date.parse(result.expiresAt) > Date.now(), 'expiry read from `expire`')
})

t.test('storage answer without expiry: null plus a note about the plan', async (t) => {
  const { fake, engine } = await setup(t, { engine: { plan: 'BASIC' } })
  fake.script({ kind: 'raw', contentType: 'application/json', body: JSON.stringify({ url: 'https://r2.chart-img.com/x.png', etag: 'e' }) })
  const result = await engine.render(chartRequest({ storage: true }), renderContext())
  t.equal(result.kind, 'stored')
  if (result.kind !== 'stored') return
  t.equal(result.expiresAt, null)
  t.match(result.notes[0], /BASIC plan keeps stored images 14 days/)
})

t.test('a 200 that is not an image is an UPSTREAM error', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'raw', contentType: 'application/json', body: '{"message":"Something odd"}' })
  let e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /application\/json instead of an image: Something odd/)

  fake.script({ kind: 'raw', contentType: 'text/html', body: '<html><title>Maintenance</title></html>' })
  e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /text\/html instead of an image: an HTML page titled "Maintenance"/)

  fake.script({ kind: 'raw', contentType: 'image/png', body: '<html>not really</html>' })
  e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /not a PNG image/)
  t.equal(fake.requests.length, 3, 'a bad 200 is not retried')
})

const NEVER_RETRIED: Array<{ name: string, setup: Parameters<typeof setup>[1], script?: { status: number, message: string }, request?: Parameters<typeof chartRequest>[0], code: string, message: RegExp }> = [
  { name: '403 invalid key', setup: { engine: { apiKey: 'wrong-key-1234567890' } }, code: 'AUTH', message: /^Chart-IMG rejected the API key \(403 Invalid API Key\)\. Check CHART_IMG_API_KEY\.$/ },
  { name: '401 invalid key', setup: { fake: { authFailureStatus: 401 }, engine: { apiKey: 'wrong-key-1234567890' } }, code: 'AUTH', message: /\(401 Invalid API Key\)/ },
  { name: '403 resolution limit', setup: { fake: { plan: 'BASIC' }, engine: { plan: 'ULTRA' } }, request: { width: 1920, height: 1080 }, code: 'PLAN_LIMIT', message: /Exceed Max Usage Resolution Limit \(800x600\).*CHART_IMG_PLAN is ULTRA/ },
  { name: '403 parameter limit', setup: { fake: { plan: 'PRO' }, engine: { plan: 'ULTRA' } }, request: { studies: Array.from({ length: 6 }, () => ({ name: 'MACD' })) }, code: 'PLAN_LIMIT', message: /Exceed Max Usage Parameter Limit \(5\)/ },
  { name: '422 Invalid Symbol', setup: {}, request: { symbol: 'NASDAQ:NOPE' }, code: 'UNKNOWN_SYMBOL', message: /"NASDAQ:NOPE" \(422 Invalid Symbol\)/ },
  { name: '422 Invalid Interval', setup: { fake: { intervals: ['1h', '1D'] } }, request: { interval: '45m' }, code: 'UNSUPPORTED_INTERVAL', message: /interval "45m".*422 Invalid Interval/ },
  { name: '400 bad request', setup: {}, script: { status: 400, message: 'Invalid JSON' }, code: 'INVALID_REQUEST', message: /\(400 Invalid JSON\)/ },
  { name: '404 route', setup: {}, script: { status: 404, message: 'Not Found' }, code: 'INVALID_REQUEST', message: /no route \/v2\/tradingview\/advanced-chart \(404 Not Found\).*CHART_IMG_BASE_URL/ },
  { name: '422 other field', setup: {}, script: { status: 422, message: '"foo" is not allowed' }, code: 'INVALID_REQUEST', message: /\(422 "foo" is not allowed\)/ }
]

for (const c of NEVER_RETRIED) {
  t.test(`${c.name} → ${c.code}, not retried`, async (t) => {
    const { fake, engine, sleeps } = await setup(t, c.setup)
    if (c.script !== undefined) fake.script({ kind: 'status', ...c.script })
    const e = await rejectionOf(engine.render(chartRequest(c.request), renderContext()))
    t.equal(e.code, c.code)
    t.match(e.message, c.message)
    t.equal(fake.requests.length, 1, 'exactly one request')
    t.same(sleeps, [])
  })
}

t.test('v1-style error bodies ({"error": …}) are read too', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'raw', status: 400, contentType: 'application/json', body: '{"error":"Invalid Parameter"}' })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'INVALID_REQUEST')
  t.match(e.message, /400 Invalid Parameter/)
})

t.test('429 with Retry-After: waits exactly that long, then succeeds', async (t) => {
  const { fake, engine, sleeps } = await setup(t)
  fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '30' } })
  const context = renderContext()
  const result = await engine.render(chartRequest(), context)
  t.equal(result.kind, 'image')
  t.same(sleeps, [30_000])
  t.equal(fake.requests.length, 2)
  t.same(context.stages.map((s) => [s.status, s.attempt, s.delayMs]), [
    ['requesting', 1, undefined], ['retrying', 2, 30_000], ['requesting', 2, undefined]
  ])
  t.match(context.stages[1].message, /429 Limit Exceeded; retrying in 30\.0 s \(attempt 2 of 3\)/)
})

t.test('429 with an HTTP-date Retry-After', async (t) => {
  const now = Date.parse('2026-01-01T12:00:00Z')
  const { fake, engine, sleeps } = await setup(t, { engine: { now: () => now } })
  fake.script({ kind: 'status', status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 12:00:12 GMT' } })
  await engine.render(chartRequest(), renderContext())
  t.same(sleeps, [12_000])
})

t.test('429 with a Retry-After beyond the cap: RATE_LIMITED at once, with retryAfterSeconds', async (t) => {
  const { fake, engine, sleeps } = await setup(t)
  fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '7200' } })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'RATE_LIMITED')
  t.equal(e.retryAfterSeconds, 7200)
  t.match(e.message, /Try again in 7200 s/)
  t.same(sleeps, [])
  t.equal(fake.requests.length, 1)
})

t.test('429 without Retry-After: exponential backoff with jitter', async (t) => {
  const { fake, engine, sleeps } = await setup(t, { engine: { maxAttempts: 4 } })
  fake.script({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, { kind: 'status', status: 429 })
  await engine.render(chartRequest(), renderContext())
  t.equal(sleeps.length, 3)
  t.ok(sleeps[0] >= 250 && sleeps[0] <= 500, `first backoff in [250, 500]: ${sleeps[0]}`)
  t.ok(sleeps[1] >= 500 && sleeps[1] <= 1000, `second in [500, 1000]: ${sleeps[1]}`)
  t.ok(sleeps[2] >= 1000 && sleeps[2] <= 2000, `third in [1000, 2000]: ${sleeps[2]}`)
  t.equal(fake.requests.length, 4)
})

t.test('500 then 504 then success', async (t) => {
  const { fake, engine, sleeps } = await setup(t)
  fake.script({ kind: 'status', status: 500 }, { kind: 'status', status: 504 })
  const result = await engine.render(chartRequest(), renderContext())
  t.equal(result.kind, 'image')
  t.equal(fake.requests.length, 3)
  t.equal(sleeps.length, 2)
})

t.test('exhausted retries: RATE_LIMITED for 429, UPSTREAM for 5xx, both after maxAttempts', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'status', status: 429 }, { kind: 'status', status: 429 }, { kind: 'status', status: 429, headers: { 'retry-after': '5' } })
  let e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'RATE_LIMITED')
  t.match(e.message, /429 Limit Exceeded\) after 3 attempts\. Try again in 5 s/)
  t.equal(e.retryAfterSeconds, 5)
  t.equal(fake.requests.length, 3)

  fake.script({ kind: 'status', status: 500 }, { kind: 'status', status: 504 }, { kind: 'status', status: 504 })
  e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /504 External Request Timeout\) after 3 attempts/)
  t.equal(fake.requests.length, 6)
})

t.test('reset connection is retried', async (t) => {
  const { fake, engine, sleeps } = await setup(t)
  fake.script({ kind: 'reset' })
  const context = renderContext()
  const result = await engine.render(chartRequest(), context)
  t.equal(result.kind, 'image')
  t.same(fake.requests.map((r) => r.status), ['reset', 200])
  t.equal(sleeps.length, 1)
  t.ok(context.stages.some((s) => s.status === 'retrying'))
})

t.test('resets on every attempt: UPSTREAM naming the failure', async (t) => {
  const { fake, engine } = await setup(t, { engine: { maxAttempts: 2 } })
  fake.script({ kind: 'reset' }, { kind: 'reset' })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /Could not reach Chart-IMG at http:\/\/127\.0\.0\.1:\d+ \(\w+\) after 2 attempts/)
})

t.test('connection refused is retried, then UPSTREAM', async (t) => {
  const { fake, engine, restart, sleeps } = await setup(t)
  await engine.close()
  const dead = fake.url
  await fake.close()
  const e = await rejectionOf(restart({ baseUrl: dead }).render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /ECONNREFUSED\) after 3 attempts/)
  t.equal(sleeps.length, 2)
})

t.test('a hung response times out (TIMEOUT, not retried)', async (t) => {
  const { fake, engine } = await setup(t, { engine: { timeoutMs: 200 } })
  fake.script({ kind: 'hang' })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'TIMEOUT')
  t.match(e.message, /did not answer within 200 ms.*CHART_IMG_TIMEOUT_MS/)
  t.equal(fake.requests.length, 1)
})

t.test('aborting the caller signal cancels a hung request', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'hang' })
  const controller = new AbortController()
  const pending = engine.render(chartRequest(), renderContext(controller.signal))
  while (fake.requests.length === 0) await new Promise((resolve) => setImmediate(resolve))
  controller.abort()
  const e = await rejectionOf(pending)
  t.equal(e.code, 'CANCELLED')
  t.equal(e.message, 'The request was cancelled.')
})

t.test('an already-aborted signal spends no request', async (t) => {
  const { fake, engine } = await setup(t)
  const e = await rejectionOf(engine.render(chartRequest(), renderContext(AbortSignal.abort())))
  t.equal(e.code, 'CANCELLED')
  t.equal(fake.requests.length, 0)
})

t.test('abort during a retry wait', async (t) => {
  const { fake, engine } = await setup(t, { engine: { sleep: undefined } })
  fake.script({ kind: 'status', status: 429, headers: { 'retry-after': '50' } })
  const controller = new AbortController()
  const context = renderContext(controller.signal)
  const pending = engine.render(chartRequest(), { signal: controller.signal, onStage: (s) => { context.onStage(s); if (s.status === 'retrying') controller.abort() } })
  const e = await rejectionOf(pending)
  t.equal(e.code, 'CANCELLED')
  t.equal(fake.requests.length, 1)
})

t.test('close() cancels a request in flight and is idempotent', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'hang' })
  const pending = engine.render(chartRequest(), renderContext())
  while (fake.requests.length === 0) await new Promise((resolve) => setImmediate(resolve))
  await engine.close()
  await engine.close()
  const e = await rejectionOf(pending)
  t.equal(e.code, 'CANCELLED')
  t.match(e.message, /closed/)
  t.equal((await rejectionOf(engine.render(chartRequest(), renderContext()))).code, 'CANCELLED')
  t.same(await engine.status(), { ready: false, detail: 'Chart-IMG engine is closed' })
})

t.test('a redirect is not followed (the key would travel with it)', async (t) => {
  const { fake, engine } = await setup(t)
  fake.script({ kind: 'status', status: 301, headers: { location: 'http://127.0.0.2:1/elsewhere' } })
  const e = await rejectionOf(engine.render(chartRequest(), renderContext()))
  t.equal(e.code, 'UPSTREAM')
  t.match(e.message, /301 redirecting to http:\/\/127\.0\.0\.2:1\/elsewhere; redirects are not followed/)
  t.equal(fake.requests.length, 1)
})
