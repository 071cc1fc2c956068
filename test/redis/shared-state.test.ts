/**
 * Two app instances on one Redis (REDIS_URL), each with its own DATA_DIR, as two machines behind a load balancer:
 * a chart made on A is found on B (get_chart_status, get_recent_requests, chart resource, /charts/<id>.png) by its
 * owner only; the rate limit and the per-principal quotas of streams and MCP sessions count both instances; every
 * key is bounded by a TTL.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { Config } from '../../src/config.js'
import { callTool, startApp } from '../support/app.js'
import { startRedis } from '../support/redis-server.js'
import { MCP_HEADERS, INITIALIZE, rawInitialize, readMessages } from '../mcp/helper.js'
import { holdStream } from '../security/support.js'
import { waitFor } from '../sse/wait.js'

const ALICE = 'alice-token-0123456789'
const BOB = 'bob-token-0123456789ab'
const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

function dataDir (t: { teardown: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rstate-'))
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }) })
  return dir
}

async function startPair (t: Test, overrides: Partial<Config> = {}): Promise<{ a: string, b: string, redis: Redis }> {
  const server = await startRedis(t, dataDir(t))
  const config: Partial<Config> = {
    REDIS_URL: server.url,
    AUTH_TOKENS: [{ name: 'alice', token: ALICE }, { name: 'bob', token: BOB }],
    ...overrides
  }
  const a = await startApp(t, { ...config, DATA_DIR: dataDir(t) })
  const b = await startApp(t, { ...config, DATA_DIR: dataDir(t) })
  const redis = new Redis(server.url)
  t.teardown(() => { redis.disconnect() })
  return { a: a.url, b: b.url, redis }
}

function text (body: any): string {
  return body.result.content[0].text
}

t.test('a chart made on A: status, recent list and image on B, for its owner only', async (t) => {
  const { a, b, redis } = await startPair(t)
  const made = await callTool(a, 'generate_chart', { symbol: 'SP:SPX', range: '3M' }, as(ALICE))
  t.equal(made.status, 200)
  t.notOk(made.body.result.isError, 'the chart is made on A')
  const requestId = /Request: (req_\S+)/.exec(text(made.body))?.[1] as string
  t.match(requestId, /^req_\d+_[0-9a-f]+$/)

  const status = await callTool(b, 'get_chart_status', { requestId }, as(ALICE))
  const record = JSON.parse(text(status.body))
  t.equal(record.status, 'completed', 'B knows the request and its status')
  t.equal(record.requestId, requestId)
  t.equal(record.imageUrl, `${b}/charts/${requestId}.png`, 'B links the image on itself')

  const recent = JSON.parse(text((await callTool(b, 'get_recent_requests', { limit: 5 }, as(ALICE))).body))
  t.same(recent.requests.map((r: { requestId: string }) => r.requestId), [requestId], 'B lists it among the recent requests')

  const onA = await fetch(`${a}/charts/${requestId}.png`, { headers: as(ALICE) })
  const onB = await fetch(`${b}/charts/${requestId}.png`, { headers: as(ALICE) })
  t.equal(onB.status, 200, 'B serves the image A made')
  t.equal(onB.headers.get('content-type'), 'image/png')
  t.equal(onB.headers.get('cache-control'), 'private, max-age=86400, immutable')
  const bytes = Buffer.from(await onB.arrayBuffer())
  t.same(bytes.subarray(0, 8), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG')
  t.ok(bytes.equals(Buffer.from(await onA.arrayBuffer())), 'the same bytes on both instances')
  const revalidated = await fetch(`${b}/charts/${requestId}.png`, { headers: { ...as(ALICE), 'if-none-match': onB.headers.get('etag') ?? '' } })
  t.equal(revalidated.status, 304, 'a cached copy is revalidated without the bytes')

  // The chart resource on B (an MCP session of alice's there): the image and the record.
  const session = await rawInitialize(`${b}/mcp`, as(ALICE))
  const read = await fetch(`${b}/mcp`, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...as(ALICE), 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: `chart://requests/${requestId}` } })
  })
  const [answer] = await readMessages(read) as Array<{ result: { contents: Array<{ mimeType: string, blob?: string, text?: string }> } }>
  t.same(answer.result.contents.map((c) => c.mimeType), ['image/png', 'application/json'], 'resources/read on B: image and record')
  t.ok(Buffer.from(answer.result.contents[0].blob ?? '', 'base64').equals(bytes), 'the same image')

  // Another principal: the same answers as for a request that does not exist (no existence oracle).
  t.match(text((await callTool(b, 'get_chart_status', { requestId }, as(BOB))).body), /No chart request/)
  t.equal(JSON.parse(text((await callTool(b, 'get_recent_requests', {}, as(BOB))).body)).count, 0)
  t.equal((await fetch(`${b}/charts/${requestId}.png`, { headers: as(BOB) })).status, 404)
  t.equal((await fetch(`${a}/charts/${requestId}.png`, { headers: as(BOB) })).status, 404)
  t.equal((await fetch(`${b}/charts/${requestId}.jpg`, { headers: as(ALICE) })).status, 404, 'only the stored file name')

  // Bounded: the record and the image expire (HISTORY_MAX_AGE_DAYS); the index is a sorted set pruned by count.
  const maxAge = 30 * 86_400
  for (const key of [`chart-img-mcp:history:req:${requestId}`, `chart-img-mcp:image:${requestId}.png`, 'chart-img-mcp:history:index', 'chart-img-mcp:history:owner:=alice']) {
    const ttl = await redis.ttl(key)
    t.ok(ttl > 0 && ttl <= maxAge, `${key} expires (ttl ${ttl} s)`)
  }
})

t.test('IMAGE_DIR: images in a directory both instances mount; history in Redis', async (t) => {
  const images = dataDir(t)
  const { a, b, redis } = await startPair(t, { IMAGE_DIR: images })
  const made = await callTool(a, 'generate_chart', { symbol: 'SP:SPX', range: '1M' }, as(ALICE))
  const requestId = /Request: (req_\S+)/.exec(text(made.body))?.[1] as string
  const onB = await fetch(`${b}/charts/${requestId}.png`, { headers: as(ALICE) })
  t.equal(onB.status, 200, 'B serves the image from the shared directory')
  t.equal(await redis.exists(`chart-img-mcp:image:${requestId}.png`), 0, 'not in Redis')
  t.equal((await fetch(`${b}/charts/${requestId}.png`, { headers: as(BOB) })).status, 404)
})

t.test('the rate limit counts requests on every instance', async (t) => {
  const { a, b, redis } = await startPair(t, { RATE_LIMIT_MAX: 6, RATE_LIMIT_WINDOW_MS: 600_000 })
  const statuses: number[] = []
  for (const url of [a, b, a, b, a, b]) statuses.push((await fetch(`${url}/mcp/tools`, { headers: as(ALICE) })).status)
  t.same(statuses, [200, 200, 200, 200, 200, 200], 'six requests across A and B pass')
  const refusedOnA = await fetch(`${a}/mcp/tools`, { headers: as(ALICE) })
  const refusedOnB = await fetch(`${b}/mcp/tools`, { headers: as(ALICE) })
  t.equal(refusedOnA.status, 429, 'the seventh is refused on A')
  t.equal(refusedOnB.status, 429, 'and on B')
  t.ok(Number(refusedOnB.headers.get('retry-after')) > 0, 'with Retry-After')
  t.equal((await fetch(`${b}/mcp/tools`, { headers: as(BOB) })).status, 200, 'another principal has its own count')
  t.equal(await redis.get('chart-img-mcp:ratelimit:alice'), '8', 'counted under the principal in Redis')
  t.ok(await redis.pttl('chart-img-mcp:ratelimit:alice') > 0, 'the counter expires with its window')
})

t.test('per-principal quotas of event streams and MCP sessions count every instance', async (t) => {
  const { a, b, redis } = await startPair(t, { SSE_CHANNELS_PER_PRINCIPAL: 2, MCP_SESSIONS_PER_PRINCIPAL: 1 })
  const first = await holdStream(t, a, '/mcp/events/alice-1', as(ALICE))
  t.equal(first.status, 200)
  t.equal((await holdStream(t, b, '/mcp/events/alice-2', as(ALICE))).status, 200, 'a second stream on B')
  const third = await holdStream(t, a, '/mcp/events/alice-3', as(ALICE))
  t.equal(third.status, 429, 'the third, on A, is over the quota of both instances together')
  t.match(JSON.parse(third.first), { code: 'SSE_CHANNEL_QUOTA' })
  t.equal((await holdStream(t, b, '/mcp/events/bob-1', as(BOB))).status, 200, 'another principal has its own quota')
  const reconnected = await holdStream(t, a, '/mcp/events/alice-1', as(ALICE))
  t.equal(reconnected.status, 200, 'a reconnect of a stream open on A still fits')
  t.equal(await redis.zcard('chart-img-mcp:quota:channel:events:alice'), 2, 'the leases of both instances in Redis')
  t.ok(await redis.pttl('chart-img-mcp:quota:channel:events:alice') > 0, 'expiring unless renewed')

  // A stream that ends frees its slot for every instance.
  reconnected.close()
  await waitFor('the closed stream to free its slot', async () => await redis.zcard('chart-img-mcp:quota:channel:events:alice') === 1)
  t.equal((await holdStream(t, a, '/mcp/events/alice-3', as(ALICE))).status, 200, 'then a new stream fits')

  const initialize = async (url: string, token: string): Promise<Response> => await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...as(token) }, body: JSON.stringify(INITIALIZE) })
  const session = await initialize(a, ALICE)
  t.equal(session.status, 200, 'an MCP session on A')
  await session.body?.cancel()
  const refused = await initialize(b, ALICE)
  t.equal(refused.status, 429, 'a second session on B is over the quota')
  t.match(await refused.json(), { error: { message: /most one client may/ } })
  const bob = await initialize(b, BOB)
  t.equal(bob.status, 200)
  await bob.body?.cancel()
  const sessionId = String(session.headers.get('mcp-session-id'))
  t.equal((await fetch(`${b}/mcp`, { method: 'DELETE', headers: { 'mcp-session-id': sessionId, ...as(ALICE) } })).status, 200, 'ended on B')
  const again = await waitFor('the ended session to free its slot', async () => {
    const response = await initialize(b, ALICE)
    await response.body?.cancel()
    return response.status === 200 ? response : undefined
  })
  t.equal(again.status, 200, 'a new session fits once the first ended')
})
