/**
 * Fan-out across instances (issue 10): one `chart_progress` broadcast to N channels spread by nginx (docker/nginx.conf)
 * over three CLI instances that share events through Redis, against N channels on one instance reached directly
 * (bench/fanout-server.ts with the in-memory bus: today's single-instance figure), measured in the same run with the
 * same raw-socket clients (bench/support/sse-fleet.ts); the same channels straight to the three instances show what
 * nginx adds. Also: resident memory per channel on each instance, and a `tools/call` through nginx against the same
 * call sent straight to an instance. (Redis memory per channel and per session: bench/redis-memory.ts.)
 *
 *   npx tsx bench/fanout-cluster.ts [--clients 10000] [--rounds 10] [--warmup 3] [--calls 300]
 *
 * Needs redis-server and nginx (Debian packages); as root the instances get their own network namespaces
 * (test/support/cluster.ts). A cluster round's latency runs from just before this process publishes on the Redis bus
 * (as an instance's chart service would) to each client's receipt through nginx.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { createEventBus } from '../src/events/create-bus.js'
import { benchEvent } from './fanout-protocol.js'
import { run as runSingle } from './fanout.js'
import { ensureFileLimit, Fleet, percentile, ReExec } from './support/sse-fleet.js'
import { startCluster, type Cluster } from '../test/support/cluster.js'
import { metricValue, scrapeMetrics, type Sample } from '../test/support/metrics.js'

interface Options { clients: number, rounds: number, warmup: number, calls: number }

function parseArgs (argv: string[]): Options {
  const options: Options = { clients: 10_000, rounds: 10, warmup: 3, calls: 300 }
  for (let i = 0; i < argv.length - 1; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof Options
    if (!(key in options)) throw new Error(`unknown option ${argv[i]}`)
    options[key] = Number(argv[i + 1])
  }
  return options
}

const median = (values: number[]): number => percentile([...values].sort((a, b) => a - b), 50)
const ms = (value: number): string => value.toFixed(2)
const kb = (bytes: number): string => (bytes / 1024).toFixed(2)

async function scrapeAll (cluster: Cluster): Promise<Sample[][]> {
  return await Promise.all(cluster.instances.map(async (instance) => await scrapeMetrics(instance.url)))
}

/** Latency of `count` tools/call health_check requests to each URL, interleaved so both see the same machine. */
async function callLatency (urls: Record<'direct' | 'nginx', string>, count: number): Promise<Record<'direct' | 'nginx', { p50: number, p99: number }>> {
  const times: Record<'direct' | 'nginx', number[]> = { direct: [], nginx: [] }
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'health_check', arguments: {} } })
  const orders: Array<Array<'direct' | 'nginx'>> = [['direct', 'nginx'], ['nginx', 'direct']]
  for (let i = 0; i < count + 20; i++) {
    for (const route of orders[i % 2]) {
      const start = performance.now()
      const response = await fetch(`${urls[route]}/mcp/tools/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`tools/call via ${route} answered ${response.status}`)
      if (i >= 20) times[route].push(performance.now() - start) // the first 20 warm connections and code paths
    }
  }
  const summary = (values: number[]): { p50: number, p99: number } => {
    const sorted = [...values].sort((a, b) => a - b)
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
  }
  return { direct: summary(times.direct), nginx: summary(times.nginx) }
}

/** Warm-up and measured broadcast rounds; per-round percentiles, then the median over rounds (as bench/fanout.ts). */
async function measureRounds (fleet: Fleet, broadcast: (round: number) => void, options: Options): Promise<{ p50: number, p99: number, missing: number }> {
  const rounds: Array<{ p50: number, p99: number }> = []
  let missing = 0
  for (let round = 0; round < options.warmup + options.rounds; round++) {
    const result = await fleet.round(() => { broadcast(round) }, round)
    if (round >= options.warmup) {
      const sorted = result.latencies.sort((a, b) => a - b)
      rounds.push({ p50: percentile(sorted, 50), p99: percentile(sorted, 99) })
      missing += result.missing
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return { p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)), missing }
}

async function main (): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  ensureFileLimit(options.clients + 2000)
  const command = `npx tsx bench/fanout-cluster.ts --clients ${options.clients} --rounds ${options.rounds} --warmup ${options.warmup} --calls ${options.calls}`
  console.log(`$ ${command}`)

  // 1. Baseline: one instance, reached directly, in-memory bus.
  const single = await runSingle('ours', options.clients, { clients: [options.clients], rounds: options.rounds, warmup: options.warmup }, options.clients)
  console.log(`one instance direct, N=${options.clients}: p50 ${ms(single.p50)} ms, p99 ${ms(single.p99)} ms, RSS/channel ${kb((single.rssOpen - single.rssIdle) / options.clients)} KB, lost ${single.missing + single.dropped + single.connectFailed}`)

  // 2. Three instances behind nginx, events through Redis.
  const dir = mkdtempSync(join(tmpdir(), 'fanout-cluster-'))
  const teardowns: Array<() => Promise<void>> = []
  const fleet = new Fleet()
  let cluster: Cluster | undefined
  try {
    cluster = await startCluster({ testdir: () => dir, teardown: (fn) => { teardowns.push(fn) } }, {
      instances: 3,
      // As docker/nginx.conf's `worker_processes auto`: one nginx worker per core.
      nginxWorkers: availableParallelism(),
      env: {
        MAX_SSE_CLIENTS: String(options.clients),
        // Every bench client comes from one address (nginx's), i.e. one anonymous principal: no per-principal caps.
        SSE_CHANNELS_PER_PRINCIPAL: '1000000',
        RATE_LIMIT_MAX: '0',
        // As bench/fanout-server.ts: no heartbeat or keep-alive tick inside a measured round.
        HEARTBEAT_MS: '3600000',
        KEEPALIVE_MS: '300000'
      }
    })
    console.log(`cluster: 3 instances (${cluster.network}), nginx ${cluster.url} (${availableParallelism()} workers), redis ${cluster.redis.url}`)
    // The instances' key prefix (the default): the bench's publishes are stored for replay as an instance's are.
    const bus = await createEventBus({ REDIS_URL: cluster.redis.url, REDIS_KEY_PREFIX: 'chart-img-mcp:' }, pino({ level: 'warn' }))
    teardowns.push(async () => { await bus.close() })
    const nginxPort = Number(new URL(cluster.url).port)
    const broadcast = (round: number): void => {
      bus.publish({ clientId: null, event: benchEvent(round) }).catch((err: unknown) => { console.error(err) })
    }

    const warm = new Fleet()
    await warm.open(nginxPort, 300, 'warm')
    for (let r = 0; r < 3; r++) await warm.round(() => { broadcast(-1 - r) }, -1 - r)
    warm.close()
    const idle = await scrapeAll(cluster)

    const connectFailed = await fleet.open(nginxPort, options.clients, 'c')
    const open = await scrapeAll(cluster)
    const viaNginx = await measureRounds(fleet, broadcast, options)
    console.log(`3 instances behind nginx + Redis, N=${options.clients}: p50 ${ms(viaNginx.p50)} ms, p99 ${ms(viaNginx.p99)} ms, lost ${viaNginx.missing + fleet.dropped + connectFailed}`)
    const perInstance = cluster.instances.map((instance, i) => {
      const channels = metricValue(open[i], 'chart_img_mcp_open_channels', { surface: 'events' })
      const rss = metricValue(open[i], 'process_resident_memory_bytes') - metricValue(idle[i], 'process_resident_memory_bytes')
      return { name: instance.name, channels, perChannel: rss / channels }
    })
    fleet.close()

    // The same channels straight to the instances (a third each, no nginx): what nginx's relaying adds.
    const direct = new Fleet()
    teardowns.push(async () => { direct.close() })
    let directFailed = 0
    for (const [i, instance] of cluster.instances.entries()) {
      const { hostname, port } = new URL(instance.url)
      const share = Math.floor(options.clients / 3) + (i < options.clients % 3 ? 1 : 0)
      directFailed += await direct.open(Number(port), share, `d${i}-`, hostname)
    }
    const straight = await measureRounds(direct, broadcast, options)
    console.log(`3 instances direct + Redis, N=${options.clients}: p50 ${ms(straight.p50)} ms, p99 ${ms(straight.p99)} ms, lost ${straight.missing + direct.dropped + directFailed}`)
    direct.close()

    const calls = await callLatency({ direct: cluster.instances[0].url, nginx: cluster.url }, options.calls)

    console.log('\n| setup | N | p50 ms | p99 ms | p99 vs one instance (target ≤ 1.5) |')
    console.log('|---|---:|---:|---:|---:|')
    console.log(`| one instance, direct, in-memory bus | ${options.clients} | ${ms(single.p50)} | ${ms(single.p99)} | 1.00 |`)
    console.log(`| 3 instances behind nginx, Redis bus | ${options.clients} | ${ms(viaNginx.p50)} | ${ms(viaNginx.p99)} | ${(viaNginx.p99 / single.p99).toFixed(2)} |`)
    console.log(`| 3 instances direct (a third each), Redis bus | ${options.clients} | ${ms(straight.p50)} | ${ms(straight.p99)} | ${(straight.p99 / single.p99).toFixed(2)} |`)
    console.log('\n| instance | channels | RSS/channel KB |')
    console.log('|---|---:|---:|')
    console.log(`| one instance (bench/fanout-server.ts, after GC) | ${options.clients} | ${kb((single.rssOpen - single.rssIdle) / options.clients)} |`)
    for (const instance of perInstance) console.log(`| ${instance.name} (CLI, from /metrics) | ${instance.channels} | ${kb(instance.perChannel)} |`)
    console.log('\n| tools/call health_check | p50 ms | p99 ms |')
    console.log('|---|---:|---:|')
    console.log(`| direct to instance A | ${ms(calls.direct.p50)} | ${ms(calls.direct.p99)} |`)
    console.log(`| through nginx | ${ms(calls.nginx.p50)} | ${ms(calls.nginx.p99)} |`)
    console.log(`| ratio nginx/direct | ${(calls.nginx.p50 / calls.direct.p50).toFixed(2)} | ${(calls.nginx.p99 / calls.direct.p99).toFixed(2)} |`)
  } finally {
    fleet.close()
    for (const teardown of teardowns.reverse()) await teardown().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((err: unknown) => {
  if (err instanceof ReExec) return
  console.error(err)
  process.exitCode = 1
})
