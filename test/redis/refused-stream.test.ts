/**
 * A refused event stream leaves no trace in Redis (REDIS_URL): the global limit (503), the per-principal quota of this
 * instance or of all instances (429) and another principal's channel (404) are decided before the channel is claimed
 * (routes/events.ts, src/sse/stream-quota.ts, the CONNECT script of src/sse/redis-channel-log.ts). Two instances with
 * principals on one real redis-server; after each refusal the replay and quota keys are exactly as before.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import type { Config } from '../../src/config.js'
import { startMcpApp } from '../mcp/helper.js'
import { startRedis } from '../support/redis-server.js'
import { openStream, type StreamClient } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'

const ALICE = 'alice-token-0123456789ab'
const BOB = 'bob-token-0123456789ab'
const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

/** Every replay and quota key with its content (stream lengths, hashes, set sizes), and the event sequence. */
async function redisState (redis: Redis): Promise<string> {
  const keys = (await redis.keys('chart-img-mcp:*')).filter((key) => /:(replay|quota):/.test(key)).sort()
  const state: Record<string, unknown> = {}
  for (const key of keys) {
    const type = await redis.type(key)
    if (type === 'stream') state[key] = await redis.xlen(key)
    else if (type === 'hash') state[key] = await redis.hgetall(key)
    else if (type === 'zset') state[key] = await redis.zcard(key)
    else state[key] = await redis.get(key)
  }
  return JSON.stringify(state)
}

t.test('refused streams (503, 429 here, 429 across instances, 404) leave Redis as it was', async (t) => {
  const root = t.testdir()
  for (const dir of ['redis', 'a', 'b']) mkdirSync(join(root, dir))
  const server = await startRedis(t, join(root, 'redis'))
  const redis = new Redis(server.url)
  t.teardown(async () => { redis.disconnect() })
  const config: Partial<Config> = { REDIS_URL: server.url, AUTH_TOKENS: [{ name: 'alice', token: ALICE }, { name: 'bob', token: BOB }], SSE_CHANNELS_PER_PRINCIPAL: 1 }
  const testLike = (dir: string): { testdir: () => string, teardown: (fn: () => Promise<void>) => void } => ({ testdir: () => join(root, dir), teardown: (fn) => { t.teardown(fn) } })
  const a = (await startMcpApp(testLike('a'), config)).base
  const b = (await startMcpApp(testLike('b'), { ...config, MAX_SSE_CLIENTS: 1 })).base

  const connected = async (stream: StreamClient): Promise<void> => { await waitFor('connected', () => stream.events().some((e) => e.event === 'connected')) }
  const alice = await openStream(t, `${a}/mcp/events/alice-1`, as(ALICE))
  t.equal(alice.status, 200, 'alice holds a stream on A')
  await connected(alice)

  const refusedLeavesNoTrace = async (url: string, token: string, status: number, what: string): Promise<void> => {
    const before = await redisState(redis)
    const refused = await openStream(t, url, as(token))
    t.equal(refused.status, status, what)
    await refused.ended
    // A quota slot taken and given back is removed asynchronously: wait for the state to settle back.
    const after = await waitFor('Redis as before', async () => { const now = await redisState(redis); return now === before ? now : undefined }, 20_000).catch(async () => await redisState(redis))
    t.equal(after, before, `${what}: nothing written to Redis`)
  }
  await refusedLeavesNoTrace(`${a}/mcp/events/alice-2`, ALICE, 429, 'a second stream of alice on A: over its quota here')
  await refusedLeavesNoTrace(`${b}/mcp/events/alice-2`, ALICE, 429, 'a second stream of alice on B: over its quota across instances')
  await refusedLeavesNoTrace(`${b}/mcp/events/alice-1`, BOB, 404, 'bob on alice\'s channel, on another instance')

  const bob = await openStream(t, `${b}/mcp/events/bob-1`, as(BOB))
  t.equal(bob.status, 200, 'bob fills B (MAX_SSE_CLIENTS 1)')
  await connected(bob)
  await refusedLeavesNoTrace(`${b}/mcp/events/carol-1`, ALICE, 503, 'any stream on a full B')
  t.same(JSON.parse(await redis.hget('chart-img-mcp:replay:events:alice-1:meta', 'owner') ?? 'null'), 'alice', 'alice\'s channel is still hers')
})
