/** The fake must behave like Chart-IMG, or the engine tests prove nothing: check it directly with fetch. */
import { inflateSync } from 'node:zlib'
import t, { type Test } from 'tap'
import jpeg from 'jpeg-js'
import { imageBytes, startFakeChartImg, type FakeChartImg } from '../../support/fake-chart-img.js'

async function fake (t: Test, options: Parameters<typeof startFakeChartImg>[0] = {}): Promise<FakeChartImg> {
  const server = await startFakeChartImg(options)
  t.teardown(async () => { await server.close() })
  return server
}

async function post (server: FakeChartImg, path: string, body: unknown, key: string | null = server.apiKey): Promise<{ status: number, json: unknown, type: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (key !== null) headers['x-api-key'] = key
  const response = await fetch(server.url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const type = response.headers.get('content-type')
  const json: unknown = type?.includes('json') === true ? await response.json() : await response.arrayBuffer()
  return { status: response.status, json, type }
}

const CHART = '/v2/tradingview/advanced-chart'
const ok = { symbol: 'NASDAQ:AAPL', interval: '1D' }

t.test('generated images are valid', async (t) => {
  const png = imageBytes('png', 7, 5)
  t.same(png.subarray(1, 4).toString(), 'PNG')
  const idatLength = png.readUInt32BE(33)
  t.equal(png.subarray(37, 41).toString(), 'IDAT')
  t.equal(inflateSync(png.subarray(41, 41 + idatLength)).length, (7 + 1) * 5, 'one filter byte + 7 pixels per row')
  const decoded = jpeg.decode(imageBytes('jpeg', 9, 4))
  t.same([decoded.width, decoded.height], [9, 4])
})

t.test('auth: missing or wrong key → 403 (or 401 when configured); key recorded only as valid/invalid', async (t) => {
  const server = await fake(t)
  t.same(await post(server, CHART, ok, null), { status: 403, json: { message: 'Invalid API Key' }, type: 'application/json; charset=utf-8' })
  t.equal((await post(server, CHART, ok, 'wrong')).status, 403)
  t.equal((await post(server, CHART, ok)).status, 200)
  t.same(server.requests.map((r) => r.key), ['missing', 'invalid', 'valid'])
  t.equal(server.requests[2].headers['x-api-key'], '[redacted]')
  t.notOk(JSON.stringify(server.requests).includes(server.apiKey))
  const strict = await fake(t, { authFailureStatus: 401 })
  t.equal((await post(strict, CHART, ok, null)).status, 401)
})

t.test('routes: POST to v1 and made-up v3 paths → 404; v1 GET works with ?key= and answers errors as {"error"}', async (t) => {
  const server = await fake(t)
  t.equal((await post(server, '/v1/tradingview/advanced-chart', ok)).status, 404)
  t.equal((await fetch(`${server.url}/v3/tradingview/exchanges`, { headers: { 'x-api-key': server.apiKey } })).status, 404)
  t.equal((await fetch(`${server.url}/v3/exchanges`, { headers: { 'x-api-key': server.apiKey } })).status, 404)
  const v1 = await fetch(`${server.url}/v1/tradingview/advanced-chart?symbol=NASDAQ:AAPL&key=${server.apiKey}`)
  t.equal(v1.headers.get('content-type'), 'image/png')
  await v1.arrayBuffer()
  const v1bad = await fetch(`${server.url}/v1/tradingview/advanced-chart?key=nope`)
  t.same(await v1bad.json(), { error: 'Invalid API Key' })
  t.equal((await fetch(server.url + CHART, { headers: { 'x-api-key': server.apiKey } })).status, 404, 'GET on a v2 route')
})

t.test('body checks: unknown fields, symbol, interval, values', async (t) => {
  const server = await fake(t, { intervals: ['1D'] })
  t.same(await post(server, CHART, { ...ok, storage: true }), { status: 422, json: { message: '"storage" is not allowed' }, type: 'application/json; charset=utf-8' })
  t.same((await post(server, CHART, { ...ok, type: 1 })).json, { message: '"type" is not allowed' })
  t.same((await post(server, CHART, { ...ok, studies: [{ name: 'RSI', inputs: {} }] })).json, { message: '"studies[0].inputs" is not allowed' })
  t.same((await post(server, CHART, { ...ok, drawings: [{ name: 'Horizontal Line', input: {}, forceOverlay: true }] })).json, { message: '"drawings[0].forceOverlay" is not allowed' })
  t.same((await post(server, CHART, { ...ok, symbol: 'AAPL' })).json, { message: 'Invalid Symbol' })
  t.same((await post(server, CHART, { ...ok, symbol: 'NASDAQ:ZZZZ' })).json, { message: 'Invalid Symbol' })
  t.same((await post(server, CHART, { ...ok, interval: '1h' })).json, { message: 'Invalid Interval' })
  t.equal((await post(server, CHART, { ...ok, style: 'candlestick' })).status, 422)
  t.equal((await post(server, CHART, { ...ok, range: { from: '2020-01-01', to: 'x' } })).status, 422)
  t.equal((await post(server, CHART, { ...ok, range: '1D', theme: 'dark', format: 'jpeg', style: 'line' })).status, 200)
  t.same(await post(server, CHART, '{not json'), { status: 400, json: { message: 'Invalid JSON body' }, type: 'application/json; charset=utf-8' })
})

t.test('plan limits: resolution and parameter count → 403 with Chart-IMG\'s messages', async (t) => {
  const server = await fake(t, { plan: 'BASIC' })
  t.same((await post(server, CHART, { ...ok, width: 801, height: 600 })).json, { message: 'Exceed Max Usage Resolution Limit (800x600)' })
  const four = [{ name: 'A' }, { name: 'B' }, { name: 'C' }]
  t.same((await post(server, CHART, { ...ok, studies: four, drawings: [{ name: 'Horizontal Line', input: { price: 1 } }] })).json,
    { message: 'Exceed Max Usage Parameter Limit (3)' })
  t.equal((await post(server, CHART, { ...ok, studies: four })).status, 200)
})

t.test('formats and storage (both expiry names)', async (t) => {
  const server = await fake(t)
  const png = await post(server, CHART, { ...ok, width: 320, height: 240 })
  t.equal(png.type, 'image/png')
  const jpg = await post(server, CHART, { ...ok, format: 'jpeg' })
  t.equal(jpg.type, 'image/jpeg')
  const stored = await post(server, `${CHART}/storage`, ok)
  t.match(stored.json, { url: /\/storage\/1\.png$/, etag: '"etag-1"', expireAt: /^\d{4}-/, size: Number, createdAt: String })
  server.set({ storageExpiryField: 'expire' })
  const older = await post(server, `${CHART}/storage`, { ...ok, format: 'jpeg' })
  t.match(older.json, { url: /2\.jpg$/, expire: String })
  t.notOk('expireAt' in (older.json as object))
})

t.test('v3 listings under payload, with ?symbol= filter, key in header or query', async (t) => {
  const server = await fake(t)
  const list = await fetch(`${server.url}/v3/tradingview/exchange/list?key=${server.apiKey}`)
  t.match(await list.json(), { payload: [{ exchange: 'NASDAQ' }] })
  const filtered = await fetch(`${server.url}/v3/tradingview/exchange/NASDAQ?symbol=apple`, { headers: { 'x-api-key': server.apiKey } })
  t.same(await filtered.json(), { payload: [{ symbol: 'AAPL', description: 'Apple Inc.' }] })
  const unknown = await fetch(`${server.url}/v3/tradingview/exchange/NOPE`, { headers: { 'x-api-key': server.apiKey } })
  t.same([unknown.status, await unknown.json()], [422, { message: 'Invalid Exchange' }])
  t.same(server.requests[0].query, {}, 'the key is not recorded from the query either')
})

t.test('scripted replies, rate limit and daily cap', async (t) => {
  const server = await fake(t, { plan: 'BASIC', enforceRateLimit: true, dailyCap: 4 })
  server.script({ kind: 'status', status: 429, headers: { 'retry-after': '3' } }, { kind: 'status', status: 504 })
  const limited = await fetch(server.url + CHART, { method: 'POST' })
  t.same([limited.status, limited.headers.get('retry-after'), await limited.json()], [429, '3', { message: 'Limit Exceeded' }])
  const timeout = await fetch(server.url + CHART, { method: 'POST' })
  t.same([timeout.status, await timeout.json()], [504, { message: 'External Request Timeout' }])
  server.script({ kind: 'reset' })
  await t.rejects(fetch(server.url + CHART, { method: 'POST' }), TypeError)
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await post(server, CHART, ok)).status)
  t.same(statuses, [200, 200, 200, 429], 'burst of 3, then the per-second limit')
  server.set({ enforceRateLimit: false })
  t.equal((await post(server, CHART, ok)).status, 200)
  t.same((await post(server, CHART, ok)).json, { message: 'Limit Exceeded' }, 'daily cap of 4 reached')
  t.same(server.requests.map((r) => r.status), [429, 504, 'reset', 200, 200, 200, 429, 200, 429])
})
