/**
 * GET /charts/render.png|.jpeg (routes/chart-render.ts) over HTTP: the image itself with its content type and cache
 * headers, the same arguments answered from the cache (no second render, no second history record), a revalidation
 * answered 304, bad parameters refused with a 400 that says what to fix, and a server that cannot make charts now
 * (its shared store down) answering 503, not a 400 that would tell the page its URL is wrong.
 */
import { join } from 'node:path'
import t from 'tap'
import { startApp } from './support/app.js'
import { startRedis } from './support/redis-server.js'
import { waitFor } from './sse/wait.js'

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

async function recentCount (url: string): Promise<number> {
  const response = await fetch(`${url}/mcp/tools/get_recent_requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ limit: 50 }) })
  const body = await response.json() as { content: Array<{ type: string, text: string }> }
  return (JSON.parse(body.content[0].text) as { count: number }).count
}

t.test('a PNG straight from the URL, cached: the same arguments are the stored image, 304 on revalidation', async (t) => {
  const { url } = await startApp(t)
  const first = await fetch(`${url}/charts/render.png?symbol=SP:SPX&interval=1W&width=640&height=400`)
  t.equal(first.status, 200, first.status === 200 ? '' : await first.clone().text())
  t.equal(first.headers.get('content-type'), 'image/png')
  t.equal(first.headers.get('x-chart-cache'), 'miss')
  t.match(first.headers.get('cache-control'), /^public, max-age=\d+$/)
  const etag = first.headers.get('etag')
  t.match(etag, /^"[A-Za-z0-9_-]+"$/)
  const image = Buffer.from(await first.arrayBuffer())
  t.same(image.subarray(0, 8), PNG_SIGNATURE)
  const records = await recentCount(url)
  t.ok(records >= 1, 'the render is a chart request like any other')

  // Same arguments in another order, defaults spelled out: one cache key.
  const second = await fetch(`${url}/charts/render.png?height=400&width=640&interval=1W&theme=light&symbol=SP:SPX`)
  t.equal(second.status, 200)
  t.equal(second.headers.get('x-chart-cache'), 'hit')
  t.same(Buffer.from(await second.arrayBuffer()), image, 'the stored image')
  t.equal(await recentCount(url), records, 'no second render')

  const revalidated = await fetch(`${url}/charts/render.png?symbol=SP:SPX&interval=1W&width=640&height=400`, { headers: { 'if-none-match': etag ?? '' } })
  t.equal(revalidated.status, 304)

  const jpeg = await fetch(`${url}/charts/render.jpeg?symbol=SP:SPX&interval=1W&width=640&height=400`)
  t.equal(jpeg.status, 200)
  t.equal(jpeg.headers.get('content-type'), 'image/jpeg')
  t.equal(jpeg.headers.get('x-chart-cache'), 'miss', 'another format is another image')
  const bytes = Buffer.from(await jpeg.arrayBuffer())
  t.same([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG')
})

t.test('identical requests at once share one render', async (t) => {
  const { url } = await startApp(t)
  const before = await recentCount(url)
  const responses = await Promise.all([1, 2, 3].map(async () => await fetch(`${url}/charts/render.png?symbol=SP:SPX&interval=1M`)))
  t.same(responses.map((r) => r.status), [200, 200, 200])
  await Promise.all(responses.map(async (r) => await r.arrayBuffer()))
  t.equal(await recentCount(url), before + 1, 'one chart request for three readers')
})

t.test('bad parameters: 400 with a message that says what to fix', async (t) => {
  const { url } = await startApp(t)
  const cases: Array<[string, RegExp]> = [
    ['', /symbol/],
    ['?symbol=SP:SPX&interval=1d', /interval/],
    ['?symbol=SP:SPX&width=99999', /width/],
    ['?symbol=not a symbol', /symbol/],
    ['?symbol=SP:SPX&studies=RSI', /Unknown query parameter studies: this route takes symbol, interval/],
    ['?symbol=NOPE:NOTHING', /NOPE:NOTHING/]
  ]
  for (const [query, message] of cases) {
    const response = await fetch(`${url}/charts/render.png${query}`)
    t.equal(response.status, 400, `${query || '(no query)'} is a 400`)
    t.match(response.headers.get('content-type'), /application\/json/)
    const body = await response.json() as { error: string, statusCode: number }
    t.match(body, { statusCode: 400, error: message }, body.error)
  }
})

t.test('a server fault is a 503 that says why, not a 400: Redis (REDIS_URL) unreachable', async (t) => {
  const dir = t.testdir({ redis: {}, data: {} })
  const redis = await startRedis(t, join(dir, 'redis'))
  const { url } = await startApp(t, { REDIS_URL: redis.url, DATA_DIR: join(dir, 'data') })
  const ok = await fetch(`${url}/charts/render.png?symbol=SP:SPX&width=400&height=300`)
  t.equal(ok.status, 200, 'a chart while Redis runs')
  await ok.arrayBuffer()
  await redis.stop()
  await waitFor('health to say degraded', async () => {
    const health = await (await fetch(`${url}/mcp/health`)).json() as { status: string }
    return health.status === 'degraded'
  })
  const response = await fetch(`${url}/charts/render.png?symbol=SP:SPX&width=500&height=300`)
  t.equal(response.status, 503, 'the request was fine: the server cannot serve it now')
  const body = await response.json() as { error: string, statusCode: number }
  t.match(body, { statusCode: 503, error: /shared store \(Redis\) is unreachable/ }, body.error)
})
