/**
 * Scenario 3, slow consumers: 1,000 normal SSE clients (half on `/mcp/events/:clientId`, half on seed 000's `/sse`)
 * read a burst of charts; that is the baseline. Then 100 clients that never read (half on each surface,
 * bench/reliability/slow-clients.py) join, and a second burst of the same size runs; four such rounds (in ABBA order), pooled. The normal clients' p99 delivery
 * latency (the event's own `timestamp` to its arrival here; 20 warm-up charts first) must stay within 1.5× of the baseline, the server's RSS
 * must stay bounded (its peak is reported), and every never-reading client must be dropped by the server (its
 * `SSE client too slow` log line, and the socket closed under it) while the normal ones keep theirs.
 *
 * The server runs with SSE_MAX_QUEUED_BYTES=16 KiB (default 1 MiB) so a slow client is dropped after a burst of a
 * few hundred kilobytes rather than megabytes; the mechanism is the same (src/sse/channel.ts). The charts are one
 * request repeated (render-cache hits, each still four chart_progress events to every stream), four in flight at a
 * time: the bursts then measure delivery rather than rendering, whose CPU and native-memory noise (resvg's memory is
 * freed only when V8 collects, resvg-js#216) would swamp a 1.5× comparison on a shared 2-core machine.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest, type ClientRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseSse } from '../../test/sse/sse-text.js'
import { ROOT } from '../support/processes.js'
import { BOUNDED, mb, Report, requestChart, until } from './report.js'
import { rssOf, startServerProcess, stopServerProcess } from './server-process.js'

const NORMAL = BOUNDED ? 200 : 1000
const SLOW = BOUNDED ? 20 : 100
const CHARTS = BOUNDED ? 100 : 400
const MAX_QUEUED_BYTES = 16 * 1024
const ROUNDS = 4
const IN_FLIGHT = 4
const report = new Report(`3. Slow consumers: ${SLOW} never-reading clients beside ${NORMAL.toLocaleString('en-US')} normal ones, ${CHARTS} charts per burst`)

/** A normal SSE client: reads everything and records how long each chart_progress event took to arrive. */
class TimingClient {
  readonly latencies: number[] = []
  readonly completed = new Set<string>()
  closedEarly = false
  #request: ClientRequest | undefined
  #rest = ''

  constructor (readonly url: string) {}

  async connect (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const request = httpRequest(this.url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) { reject(new Error(`${this.url}: HTTP ${String(res.statusCode)}`)); return }
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const arrived = Date.now()
          const { events, rest } = parseSse(this.#rest + chunk)
          this.#rest = rest
          for (const event of events) {
            if (event.data === undefined) continue
            if (event.event === 'connected' || event.data.includes('"connection"')) resolve()
            const progress = progressOf(event.event, event.data)
            if (progress === null) continue
            this.latencies.push(arrived - Date.parse(progress.timestamp))
            if (progress.status === 'completed') this.completed.add(progress.requestId)
          }
        })
        res.on('close', () => { if (this.#request !== undefined) this.closedEarly = true })
      })
      request.on('error', reject)
      request.end()
      this.#request = request
    })
  }

  close (): void {
    const request = this.#request
    this.#request = undefined
    request?.destroy()
  }
}

interface Progress { requestId: string, timestamp: string, status: string }

/**
 * The chart_progress fields of a `/mcp/events` event or of a `/sse` JSON-RPC notification; null for anything else.
 * Read with one regular expression rather than JSON.parse: a million events pass through this one process, and its
 * own CPU time would add to every latency it measures.
 */
function progressOf (name: string | undefined, data: string): Progress | null {
  if (name !== 'chart_progress' && !(name === undefined && data.includes('notifications/chart_progress'))) return null
  const match = /"requestId":"([^"]+)".*?"timestamp":"([^"]+)".*?"status":"([a-z]+)"/.exec(data)
  return match === null ? null : { requestId: match[1], timestamp: match[2], status: match[3] }
}

function percentile (values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = Float64Array.from(values).sort()
  return sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]
}

/** The same chart every time: render-cache hits (see the top of this file). */
async function chart (url: string, i: number): Promise<string> {
  return await requestChart(url, i, { width: 640, height: 400 })
}

/** Runs `count` calls, IN_FLIGHT at a time: a steady stream of events, so latency measures delivery, not a backlog. */
async function paced<T> (count: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  let next = 0
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < count) {
      const i = next++
      results[i] = await call(i)
    }
  }))
  return results
}

/** One burst of charts; resolves when every normal client has the last one's `completed` (streams are ordered). */
async function burst (url: string, clients: TimingClient[], first: number, charts = CHARTS): Promise<{ seconds: number, made: number, latencies: number[] }> {
  for (const c of clients) c.latencies.length = 0
  const started = performance.now()
  const ids = await paced(charts, async (i) => await chart(url, first + i))
  const marker = await chart(url, first + charts)
  await until('every normal client to receive the burst', () => clients.every((c) => c.completed.has(marker)))
  const seconds = (performance.now() - started) / 1000
  return { seconds, made: ids.filter((id) => id !== '').length, latencies: clients.flatMap((c) => c.latencies) }
}

/** The never-reading clients, in a Python process (slow-clients.py says why). */
function startSlowClients (port: string, paths: string[]): { ready: Promise<{ ready: number, statuses: string[] }>, check: () => Promise<string[]>, stop: () => void } {
  const child = spawn('/usr/bin/python3', [join(ROOT, 'bench/reliability/slow-clients.py'), port, ...paths], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const next = async (): Promise<string> => await new Promise((resolve) => { lines.once('line', resolve) })
  return {
    ready: next().then((line) => JSON.parse(line) as { ready: number, statuses: string[] }),
    check: async () => {
      const answer = next()
      child.stdin.write('check\n')
      return (JSON.parse(await answer) as { closed: string[] }).closed
    },
    stop: () => { child.stdin.end(); child.kill() }
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'reliability-slow-'))
const dropped = new Set<string>()
const server = await startServerProcess(dataDir, {
  SSE_MAX_QUEUED_BYTES: String(MAX_QUEUED_BYTES),
  MAX_SSE_CLIENTS: '100000',
  RENDER_WORKERS: '2',
  HEARTBEAT_MS: '3600000'
}, {
  onLine: (line) => {
    if (!line.includes('SSE client too slow')) return
    const { clientId } = JSON.parse(line) as { clientId?: string }
    if (clientId !== undefined) dropped.add(clientId)
  }
})
const pid = server.child.pid ?? 0
let rssPeak = 0
const sampler = setInterval(() => { rssOf(pid).then((rss) => { rssPeak = Math.max(rssPeak, rss) }, () => {}) }, 100)
const slowSets: Array<ReturnType<typeof startSlowClients>> = []
try {
  const clients = Array.from({ length: NORMAL }, (_, i) => new TimingClient(i % 2 === 0 ? `${server.url}/mcp/events/normal-${i}` : `${server.url}/sse?clientId=normal-${i}`))
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map(async (c) => { await c.connect() }))
  // Warm-up: the first charts pay for worker start and JIT, which would weigh on whichever burst came first.
  await burst(server.url, clients, 100_000, 20)
  const rssStart = await rssOf(pid)

  // Rounds of a baseline burst and a burst beside a fresh set of never-reading clients, pooled: a busy machine's
  // drift then weighs on both sides alike instead of on whichever came second.
  const baseline = { latencies: [] as number[], seconds: 0, made: 0, rssPeak: 0, rssGrowth: 0 }
  const withSlow = { latencies: [] as number[], seconds: 0, made: 0, rssPeak: 0, rssGrowth: 0 }
  const slowIds: string[] = []
  const closed: string[] = []
  let extraCharts = 0
  const perBurst: string[] = []
  const baselineBurst = async (round: number): Promise<void> => {
    const rssBefore = rssPeak = await rssOf(pid)
    const base = await burst(server.url, clients, round * 10_000)
    for (const ms of base.latencies) baseline.latencies.push(ms)
    baseline.seconds += base.seconds
    baseline.made += base.made
    baseline.rssPeak = Math.max(baseline.rssPeak, rssPeak)
    baseline.rssGrowth = Math.max(baseline.rssGrowth, rssPeak - rssBefore)
    perBurst.push(`baseline ${percentile(base.latencies, 99)} ms / ${mb(rssPeak)} MB`)
  }
  const burstBesideSlowClients = async (round: number): Promise<void> => {
    const paths = Array.from({ length: SLOW }, (_, i) => i % 2 === 0 ? `/mcp/events/slow-${round}-${i}` : `/sse?clientId=slow-${round}-${i}`)
    const ids = paths.map((p) => /slow-\d+-\d+/.exec(p)?.[0] ?? '')
    slowIds.push(...ids)
    const slow = startSlowClients(new URL(server.url).port, paths)
    slowSets.push(slow)
    const { ready, statuses } = await slow.ready
    report.check(`round ${round + 1}: ${ready} never-reading clients got their streams (HTTP 200)`, ready === SLOW && statuses.every((s) => s === '200'), statuses.filter((s) => s !== '200').join(', '))
    const rssBefore = rssPeak = await rssOf(pid)
    const beside = await burst(server.url, clients, round * 10_000 + 5000)
    for (const ms of beside.latencies) withSlow.latencies.push(ms)
    withSlow.seconds += beside.seconds
    withSlow.made += beside.made
    // The kernel holds 50–250 kB per stalled socket before the process sees backpressure (the sender's buffer grows
    // with its congestion window); a client still not dropped gets more charts, counted in the figures.
    const droppedHere = (): number => ids.filter((id) => dropped.has(id)).length
    for (let extra = 0; droppedHere() < SLOW && extra < 400; extra += 20) {
      await paced(20, async (i) => await chart(server.url, round * 10_000 + 8000 + extra + i))
      extraCharts += 20
    }
    await until('the server to drop every never-reading client', () => droppedHere() >= SLOW, 30_000)
    withSlow.rssPeak = Math.max(withSlow.rssPeak, rssPeak)
    withSlow.rssGrowth = Math.max(withSlow.rssGrowth, rssPeak - rssBefore)
    perBurst.push(`beside ${percentile(beside.latencies, 99)} ms / ${mb(rssPeak)} MB`)
    // The server logs the drop as it destroys the socket; the client process sees the close a moment later (later
    // still on a busy machine: CI once read 79 of 80 with a single look). Ask until every socket is seen closed.
    let closedHere: string[] = []
    await until('every never-reading client to see its socket closed', async () => { closedHere = await slow.check(); return closedHere.length >= SLOW }, 30_000)
    closed.push(...closedHere)
  }
  // Order baseline, beside | beside, baseline | …: a drift in the machine's load over the run cancels out.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await baselineBurst(round)
      await burstBesideSlowClients(round)
    } else {
      await burstBesideSlowClients(round)
      await baselineBurst(round)
    }
  }

  const p99Base = percentile(baseline.latencies, 99)
  const p99Slow = percentile(withSlow.latencies, 99)
  const ratio = p99Slow / Math.max(1, p99Base)
  const total = SLOW * ROUNDS
  report.figure('normal clients; never-reading clients per round, rounds', `${NORMAL.toLocaleString('en-US')} (half /mcp/events, half /sse); ${SLOW} (same split), ${ROUNDS}`)
  report.figure('charts per burst; events timed at normal clients: baseline, with never-reading clients', `${CHARTS}; ${baseline.latencies.length.toLocaleString('en-US')}, ${withSlow.latencies.length.toLocaleString('en-US')}`)
  report.figure('delivery latency p50 / p99 (ms): baseline', `${percentile(baseline.latencies, 50)} / ${p99Base}`)
  report.figure('delivery latency p50 / p99 (ms): with never-reading clients', `${percentile(withSlow.latencies, 50)} / ${p99Slow}`)
  report.figure('p99 ratio (with / baseline)', ratio.toFixed(2))
  report.figure('each burst in order: p99, RSS peak', perBurst.join('; '))
  report.figure('burst time, all rounds (s): baseline, with never-reading clients', `${baseline.seconds.toFixed(1)}, ${withSlow.seconds.toFixed(1)}`)
  report.figure('server RSS (MB): after warm-up, peak in baseline bursts, peak beside never-reading clients', `${mb(rssStart)}, ${mb(baseline.rssPeak)}, ${mb(withSlow.rssPeak)}`)
  report.figure('largest RSS growth in one burst (MB): baseline, beside never-reading clients', `${mb(baseline.rssGrowth)}, ${mb(withSlow.rssGrowth)}`)
  report.figure('never-reading clients dropped (logged), socket closed by the server', `${slowIds.filter((id) => dropped.has(id)).length} of ${total}, ${closed.length} of ${total}`)
  report.figure('charts after a burst until its last never-reading client was dropped (all rounds)', extraCharts)

  report.check(`every chart of the measured bursts made (${baseline.made + withSlow.made} of ${2 * ROUNDS * CHARTS})`, baseline.made + withSlow.made === 2 * ROUNDS * CHARTS)
  // A latency ratio is a measurement, not a pass/fail fact on a shared CI machine: the bounded form (CI) reports it,
  // the full form (RELIABILITY.md) holds it to the 1.5×.
  if (BOUNDED) report.figure('normal p99 beside never-reading clients vs baseline (bounded form: reported, not checked)', `${p99Slow} ms vs ${p99Base} ms: ${ratio.toFixed(2)}×`)
  else report.check(`normal p99 within 1.5× of the baseline (${p99Slow} ms vs ${p99Base} ms: ${ratio.toFixed(2)}×)`, ratio <= 1.5)
  const notLogged = slowIds.filter((id) => !dropped.has(id))
  report.check(`every never-reading client dropped and logged (${total - notLogged.length} of ${total})`, notLogged.length === 0, notLogged.slice(0, 5).join(', '))
  report.check(`every never-reading client's socket closed by the server (${closed.length} of ${total})`, closed.length === total)
  report.check('no normal client dropped', ![...dropped].some((id) => id.startsWith('normal-')) && clients.every((c) => !c.closedEarly))
  // Bounded: rendering alone moves RSS (resvg's native memory is freed only when V8 collects, resvg-js#216), so a
  // burst beside never-reading clients may grow RSS no more than a baseline burst did, plus MAX_QUEUED_BYTES for each
  // of them (the most one holds here before it is dropped), 25 % and 32 MB of slack.
  const bound = baseline.rssGrowth * 1.25 + SLOW * MAX_QUEUED_BYTES + 32 * 1048576
  report.check(`server RSS bounded: largest growth in a burst beside never-reading clients ${mb(withSlow.rssGrowth)} MB ≤ ${mb(bound)} MB (baseline burst: ${mb(baseline.rssGrowth)} MB)`, withSlow.rssGrowth <= bound)
  for (const c of clients) c.close()
} finally {
  clearInterval(sampler)
  for (const slow of slowSets) slow.stop()
  await stopServerProcess(server)
  await rm(dataDir, { recursive: true, force: true })
}
report.finish()
