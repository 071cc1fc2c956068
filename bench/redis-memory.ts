/**
 * Redis memory of the shared state layer per channel and per MCP session (issue 10, "Redis memory per channel and per
 * session reported"): a real redis-server, one instance with REDIS_URL, then `MEMORY USAGE` of each key family and the
 * growth of `INFO memory` used_memory over many channels / sessions.
 *
 *   npx tsx bench/redis-memory.ts [channels=500] [eventsPerChannel=20] [sessions=500]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startRedis } from '../test/support/redis-server.js'
import { buildSseApp, progressEvent } from '../test/support/sse-app.js'
import { INITIALIZE, MCP_HEADERS, startMcpApp } from '../test/mcp/helper.js'

const [channels = 500, eventsPerChannel = 20, sessions = 500] = process.argv.slice(2).map(Number)
const teardowns: Array<() => Promise<void> | void> = []
const dir = mkdtempSync(join(tmpdir(), 'redis-memory-'))
const t = { teardown: (fn: () => Promise<void> | void) => { teardowns.push(fn) }, testdir: () => dir }

async function usedMemory (redis: Redis): Promise<number> {
  const info = await redis.info('memory')
  return Number(/used_memory:(\d+)/.exec(info)?.[1])
}

async function usage (redis: Redis, key: string): Promise<number> {
  return Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'))
}

try {
  const server = await startRedis(t, dir)
  const redis = new Redis(server.url)
  teardowns.push(() => { redis.disconnect() })
  const sse = await buildSseApp(t, { config: { REDIS_URL: server.url, SSE_CHANNELS_PER_PRINCIPAL: 1_000_000, MAX_SSE_CLIENTS: 100_000 } })

  // Channels: a stream open on each (prepare + connect), then `eventsPerChannel` addressed events each.
  const before = await usedMemory(redis)
  const streams: AbortController[] = []
  for (let i = 0; i < channels; i++) {
    const controller = new AbortController()
    streams.push(controller)
    const response = await fetch(sse.eventsUrl(`bench-${i}`), { headers: { accept: 'text/event-stream' }, signal: controller.signal })
    if (response.status !== 200) throw new Error(`stream ${i}: ${response.status}`)
    response.body?.cancel().catch(() => {})
  }
  const event = progressEvent()
  for (let n = 0; n < eventsPerChannel; n++) {
    await Promise.all(Array.from({ length: channels }, async (_, i) => { await sse.app.bus.publish({ clientId: `bench-${i}`, event: { ...event, requestId: `req_${n}_${i}` } }) }))
  }
  // Stored by the publisher as it publishes: complete once every publish has resolved.
  const last = `chart-img-mcp:replay:channel:bench-${channels - 1}`
  if (await redis.xlen(last) < eventsPerChannel) throw new Error(`${last} holds fewer than ${eventsPerChannel} events`)
  const channelGrowth = (await usedMemory(redis) - before) / channels
  const meta = await usage(redis, 'chart-img-mcp:replay:events:bench-0:meta')
  const stream = await usage(redis, 'chart-img-mcp:replay:channel:bench-0')
  for (const controller of streams) controller.abort()

  // Sessions: initialize only (the session hash), then one tools/call's event stream.
  const mcp = await startMcpApp(t, { REDIS_URL: server.url, DATA_DIR: join(dir, 'mcp'), MCP_SESSIONS_PER_PRINCIPAL: 1_000_000, MAX_SESSIONS: 1_000_000 })
  const beforeSessions = await usedMemory(redis)
  let sessionId = ''
  for (let i = 0; i < sessions; i++) {
    const response = await fetch(mcp.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INITIALIZE) })
    sessionId = response.headers.get('mcp-session-id') ?? ''
    if (response.status !== 200) throw new Error(`initialize ${i}: ${response.status} ${await response.text()}`)
    await response.text()
  }
  // Includes each initialize answer's own event stream, which expires 60 s after the answer.
  const sessionGrowth = (await usedMemory(redis) - beforeSessions) / sessions
  const sessionHash = await usage(redis, `chart-img-mcp:mcp:session:${sessionId}`)
  const call = await fetch(mcp.url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX' }, _meta: { progressToken: 'p' } } })
  })
  await call.text()
  const callKeys = await redis.keys(`chart-img-mcp:mcp:events:${sessionId}:*`)
  const callStream = callKeys.length === 0 ? 0 : await usage(redis, callKeys[0])

  const kib = (n: number): string => `${(n / 1024).toFixed(2)} KiB`
  console.log(`channels=${channels} eventsPerChannel=${eventsPerChannel} sessions=${sessions} (redis ${(await redis.info('server')).match(/redis_version:(\S+)/)?.[1]})`)
  console.log(`per channel (used_memory growth / channels, ${eventsPerChannel} events each): ${kib(channelGrowth)}`)
  console.log(`  replay:events:<id>:meta ${meta} B; replay:channel:<id> stream with ${eventsPerChannel} events ${stream} B (${Math.round(stream / eventsPerChannel)} B/event)`)
  console.log(`per session (used_memory growth / sessions, right after initialize, incl. its answer's stream kept 60 s): ${kib(sessionGrowth)}; mcp:session:<id> hash ${sessionHash} B`)
  console.log(`  mcp:events:<session>:<stream> of one tools/call (priming, progress, result; 60 s after the result): ${callStream} B`)
} finally {
  for (const fn of teardowns.reverse()) await fn()
  rmSync(dir, { recursive: true, force: true })
}
