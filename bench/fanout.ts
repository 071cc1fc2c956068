/**
 * SSE fan-out benchmark: N open channels, one broadcast chart_progress, delivery latency to all N and server memory
 * per open channel; ours (bench/fanout-server.ts: the real plugins and route) against a minimal node:http SSE server
 * (bench/baselines/sse-fanout-server.ts) measured in the same run, on the same machine, with the same clients.
 *
 *   npx tsx bench/fanout.ts [--clients 1000,5000,10000] [--rounds 10] [--warmup 3]
 *
 * Each (server, N) runs in a fresh child process (started with --expose-gc: memory is read after full collections).
 * The clients are raw TCP sockets in this process, so the server's event loop measures only the server. A round's
 * latency for one client is from just before this process tells the server to publish (IPC) to the moment that
 * client's socket delivered the event; both instants are read from this process's clock.
 */
import { connect } from 'node:net'
import { pathToFileURL } from 'node:url'
import type { FromServer } from './fanout-protocol.js'
import { ServerChild } from './support/fanout-child.js'
import { ensureFileLimit, Fleet, percentile, ReExec } from './support/sse-fleet.js'

export interface Options { clients: number[], rounds: number, warmup: number }

const OVER_LIMIT_PROBES = 200

function parseArgs (argv: string[]): Options {
  const options: Options = { clients: [1000, 5000, 10_000], rounds: 10, warmup: 3 }
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1]
    if (argv[i] === '--clients' && value !== undefined) options.clients = value.split(',').map(Number)
    else if (argv[i] === '--rounds' && value !== undefined) options.rounds = Number(value)
    else if (argv[i] === '--warmup' && value !== undefined) options.warmup = Number(value)
    else continue
    i++
  }
  if (options.clients.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--clients takes positive integers, e.g. 1000,5000,10000')
  options.clients.sort((a, b) => a - b)
  return options
}

/** Opens `count` extra connections past the limit and classifies the answers. */
async function probeOverLimit (port: number, count: number): Promise<{ status503WithRetryAfter: number, other: number, resets: number }> {
  const result = { status503WithRetryAfter: 0, other: 0, resets: 0 }
  await Promise.all(Array.from({ length: count }, async (_, i) => await new Promise<void>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let head = ''
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      if (/^HTTP\/1\.1 503 /.test(head) && /\r\nretry-after: \d+\r\n/i.test(head)) result.status503WithRetryAfter++
      else result.other++
      socket.destroy()
      resolve()
    })
    socket.on('error', () => { result.resets++; resolve() })
    socket.on('close', () => resolve())
    socket.write(`GET /mcp/events/over-limit-${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`)
  })))
  return result
}

// ---------------------------------------------------------------------------------------------------------------

export interface RunResult {
  server: string
  clients: number
  connectFailed: number
  p50: number
  p99: number
  worstP99: number
  max: number
  missing: number
  dropped: number
  rssIdle: number
  rssOpen: number
  rssAfter: number
  heapPerChannel: number
  /** Median server-side fan-out loop time of the measured rounds. */
  loopMs: number
  memory: string
  overLimit?: { status503WithRetryAfter: number, other: number, resets: number }
}

async function waitForClients (server: ServerChild, expected: number): Promise<void> {
  const deadline = Date.now() + 15_000
  while ((await server.stats()).clients !== expected) {
    if (Date.now() > deadline) throw new Error(`server still reports clients != ${expected}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/**
 * Memory once the server has settled after its clients left: V8's memory reducer gives pages back a few seconds
 * after the allocation rate drops (measured: 4 to 6 s), so poll until RSS holds still (6 to 12 s).
 */
async function settledStats (server: ServerChild): Promise<Extract<FromServer, { type: 'stats' }>> {
  const samples: Array<Extract<FromServer, { type: 'stats' }>> = []
  for (let second = 0; second < 12; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    samples.push(await server.stats())
    const last = samples.slice(-3).map((s) => s.rss)
    if (second >= 5 && last.length === 3 && Math.max(...last) - Math.min(...last) < 1048576) break
  }
  return samples[samples.length - 1]
}

/** One server (ours: bench/fanout-server.ts; baseline: a minimal node:http SSE server) with `clients` channels, in a child process. */
export async function run (kind: 'ours' | 'baseline', clients: number, options: Options, maxClients: number): Promise<RunResult> {
  const script = kind === 'ours' ? './fanout-server.ts' : './baselines/sse-fanout-server.ts'
  const server = new ServerChild(script, { MAX_SSE_CLIENTS: String(maxClients) })
  const fleet = new Fleet()
  try {
    await server.started()
    // Warm the server's code paths (JIT, pools) before the idle reading, so both servers start from the same state.
    const warm = new Fleet()
    await warm.open(server.port, 200, 'warm')
    for (let r = 0; r < 3; r++) await warm.round(() => { server.publish(-1 - r) }, -1 - r)
    warm.close()
    await waitForClients(server, 0)
    const idle = await settledStats(server)

    const connectFailed = await fleet.open(server.port, clients, 'c')
    await waitForClients(server, fleet.clients.length)
    const open = await server.stats()

    const rounds: Array<{ p50: number, p99: number, max: number }> = []
    let missing = 0
    for (let round = 0; round < options.warmup + options.rounds; round++) {
      const result = await fleet.round(() => { server.publish(round) }, round)
      if (round >= options.warmup) {
        const sorted = result.latencies.sort((a, b) => a - b)
        rounds.push({ p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN })
        missing += result.missing
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    // Per-round percentiles, then the median over rounds: one round disturbed by another process on a shared
    // machine must not decide the figure (a pooled p99 is exactly the worst round's tail).
    const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50)
    const loops = [...server.loopMs].filter(([round]) => round >= options.warmup).map(([, value]) => value).sort((a, b) => a - b)

    const overLimit = kind === 'ours' && clients >= maxClients ? await probeOverLimit(server.port, OVER_LIMIT_PROBES) : undefined
    const dropped = fleet.dropped
    fleet.close()
    await waitForClients(server, 0)
    const after = await settledStats(server)
    return {
      server: kind,
      clients,
      connectFailed,
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      worstP99: Math.max(...rounds.map((r) => r.p99)),
      max: Math.max(...rounds.map((r) => r.max)),
      missing,
      dropped,
      rssIdle: idle.rss,
      rssOpen: open.rss,
      rssAfter: after.rss,
      heapPerChannel: (open.heapUsed - idle.heapUsed) / clients,
      loopMs: percentile(loops, 50),
      memory: [['idle', idle], ['open', open], ['after', after]].map(([label, m]) => {
        const stats = m as typeof idle
        return `${String(label)} rss ${mb(stats.rss)} heapTotal ${mb(stats.heapTotal)} heapUsed ${mb(stats.heapUsed)} external ${mb(stats.external)}`
      }).join(' | '),
      overLimit
    }
  } finally {
    fleet.close()
    await server.stop()
  }
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1)
const kb = (bytes: number): string => (bytes / 1024).toFixed(2)
const ms = (value: number): string => value.toFixed(2)

async function main (): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const maxClients = options.clients.at(-1) ?? 10_000
  ensureFileLimit(maxClients + OVER_LIMIT_PROBES + 1000)
  const command = `npx tsx bench/fanout.ts --clients ${options.clients.join(',')} --rounds ${options.rounds} --warmup ${options.warmup}`
  console.log(`$ ${command}`)
  console.log(`node ${process.version}, MAX_SSE_CLIENTS=${maxClients} (ours), ${options.warmup} warm-up + ${options.rounds} measured broadcasts per run\n`)

  const results: RunResult[] = []
  for (const clients of options.clients) {
    for (const kind of ['baseline', 'ours'] as const) {
      const result = await run(kind, clients, options, maxClients)
      results.push(result)
      console.log(`${kind.padEnd(8)} N=${clients}: p50 ${ms(result.p50)} ms, p99 ${ms(result.p99)} ms, server loop ${ms(result.loopMs)} ms, RSS/channel ${kb((result.rssOpen - result.rssIdle) / clients)} KB`)
      console.log(`         MB: ${result.memory}`)
    }
  }

  console.log('\nLatency: from the publish command to each client\'s receipt; p50/p99 per broadcast, median over broadcasts.')
  console.log('\n| server | N | p50 ms | p99 ms | worst p99 ms | max ms | server loop ms | lost | RSS idle MB | RSS open MB | RSS/channel KB | heap/channel KB | RSS after leave, settled, MB (vs idle) |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of results) {
    const lost = r.missing + r.dropped + r.connectFailed
    const afterVsIdle = ((r.rssAfter / r.rssIdle - 1) * 100).toFixed(1)
    console.log(`| ${r.server} | ${r.clients} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.worstP99)} | ${ms(r.max)} | ${ms(r.loopMs)} | ${lost} | ${mb(r.rssIdle)} | ${mb(r.rssOpen)} | ${kb((r.rssOpen - r.rssIdle) / r.clients)} | ${kb(r.heapPerChannel)} | ${mb(r.rssAfter)} (${afterVsIdle.startsWith('-') ? '' : '+'}${afterVsIdle}%) |`)
  }

  console.log('\n| N | p99 ours/baseline (target ≤ 1.2) | RSS/channel ours/baseline (target ≤ 1.2) | ours RSS after leave vs idle (target ≤ +10%) | baseline RSS after leave vs idle |')
  console.log('|---:|---:|---:|---:|---:|')
  for (const clients of options.clients) {
    const ours = results.find((r) => r.server === 'ours' && r.clients === clients)
    const base = results.find((r) => r.server === 'baseline' && r.clients === clients)
    if (ours === undefined || base === undefined) continue
    const perChannel = (r: RunResult): number => (r.rssOpen - r.rssIdle) / r.clients
    console.log(`| ${clients} | ${(ours.p99 / base.p99).toFixed(2)} | ${(perChannel(ours) / perChannel(base)).toFixed(2)} | ${((ours.rssAfter / ours.rssIdle - 1) * 100).toFixed(1)}% | ${((base.rssAfter / base.rssIdle - 1) * 100).toFixed(1)}% |`)
  }
  const probe = results.find((r) => r.overLimit !== undefined)?.overLimit
  if (probe !== undefined) {
    console.log(`\nPast MAX_SSE_CLIENTS=${maxClients}: ${OVER_LIMIT_PROBES} more connections → ${probe.status503WithRetryAfter} × 503 with Retry-After, ${probe.other} other answers, ${probe.resets} resets.`)
  }
}

// Run as a script, not when bench/fanout-cluster.ts imports `run` for its one-instance baseline.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    if (err instanceof ReExec) return
    console.error(err)
    process.exitCode = 1
  })
}
