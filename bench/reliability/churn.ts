/**
 * Scenario 4, churn: connect/disconnect cycles on each stream surface (`/mcp/events/:clientId`, seed 000's `/sse`,
 * the 2025 MCP session GET stream) and MCP sessions opened and abandoned (2025 `initialize` never followed by DELETE;
 * 2026-07-28 requests, half of them `subscriptions/listen` streams cut after their acknowledgement). Every cycle is
 * a fresh TCP connection. Afterwards nothing may be left: no open stream (`/mcp/health` clientCount), every abandoned
 * session reaped (the server's own `MCP session idle: closed` log lines), the same number of file descriptors
 * (/proc/<pid>/fd) and of live timers (bench/reliability/resource-probe.ts, loaded into the server for this run), and
 * RSS within +10 % of the value after a warm-up round of the same traffic.
 *
 * The server runs with SESSION_IDLE_MS=2000 so abandoned sessions are reaped within seconds, MEMORY_TRIM_QUIET_MS=1000
 * (freed native memory goes back to the OS a second after a wave of disconnects, not five; RSS is read after that
 * trim, after warm-up and after the churn alike), and the per-address quotas and the rate limit lifted (all traffic
 * comes from one address).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../support/processes.js'
import { BOUNDED, mb, Report, until } from './report.js'
import { startServerProcess, stopServerProcess } from './server-process.js'

const CYCLES = BOUNDED ? 1000 : 10_000
const WARM_UP = BOUNDED ? 200 : 1000
/** Clients run this many cycles at once. */
const PARALLEL = 16
/** `/mcp/events` clients reconnect under ids from a pool this size (a disconnected id's replay buffer is kept 5 min). */
const EVENT_IDS = 500
/** 2025 sessions whose GET stream is opened and cut over and over. */
const GET_SESSIONS = 50
const MODERN = '2026-07-28'
const META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} }
const MCP_ACCEPT = 'application/json, text/event-stream'

const report = new Report(`4. Churn: ${CYCLES.toLocaleString('en-US')} cycles per stream surface, ${CYCLES.toLocaleString('en-US')} abandoned MCP sessions and 2026 requests`)

interface Probe { timers: number, timerSites: Record<string, number>, handles: Record<string, number>, heapUsed: number, rss: number }

let url = ''
let probeWaiter: ((probe: Probe) => void) | undefined
let reaped = 0
let trims = 0

/**
 * Opens one stream on a fresh connection, waits for its first event (the stream is registered by then; the 2025 GET
 * stream sends none until something happens, so there its response head), and cuts it. Resolves with the HTTP status.
 */
async function streamCycle (path: string, headers: Record<string, string> = {}, firstEvent = true): Promise<number> {
  return await new Promise((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { agent: false, headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume()
        res.on('end', () => { resolve(res.statusCode ?? 0) })
        return
      }
      const cut = (): void => {
        request.destroy()
        resolve(200)
      }
      res.on('error', () => {})
      if (firstEvent) res.once('data', cut)
      else cut()
    })
    request.on('error', reject)
    request.end()
  })
}

/** POST /mcp on a fresh connection; resolves with the status, the session id header and the whole body. */
async function mcpPost (body: unknown, headers: Record<string, string> = {}): Promise<{ status: number, sessionId: string | undefined, text: string }> {
  return await new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/mcp`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, sessionId: res.headers['mcp-session-id'] as string | undefined, text }) })
      res.on('error', reject)
    })
    request.on('error', reject)
    request.end(JSON.stringify(body))
  })
}

/** A 2025 session: initialize and notifications/initialized, never DELETE. */
async function openSession (i: number): Promise<string> {
  const init = await mcpPost({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `churn-${i}`, version: '1.0.0' } } })
  if (init.status !== 200 || init.sessionId === undefined) throw new Error(`initialize: HTTP ${init.status} ${init.text.slice(0, 200)}`)
  const headers = { 'mcp-session-id': init.sessionId, 'mcp-protocol-version': '2025-11-25' }
  const done = await mcpPost({ jsonrpc: '2.0', method: 'notifications/initialized' }, headers)
  if (done.status !== 202) throw new Error(`notifications/initialized: HTTP ${done.status}`)
  return init.sessionId
}

/** A 2026-07-28 request: even i a tools/list read to the end, odd i a subscriptions/listen stream cut after its ack. */
async function modernRequest (i: number): Promise<number> {
  if (i % 2 === 0) {
    const { status } = await mcpPost({ jsonrpc: '2.0', id: i, method: 'tools/list', params: { _meta: META } }, { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' })
    return status
  }
  return await new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/mcp`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('notifications/subscriptions/acknowledged')) {
          request.destroy()
          resolve(res.statusCode ?? 0)
        }
      })
      res.on('end', () => { resolve(res.statusCode === 200 ? -1 : res.statusCode ?? 0) })
      res.on('error', () => {})
    })
    request.on('error', reject)
    request.end(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'subscriptions/listen', params: { notifications: { resourcesListChanged: true }, _meta: META } }))
  })
}

/** Runs `count` jobs, PARALLEL at a time; returns how many resolved with each value (thrown errors under 'error'). */
async function run (count: number, job: (i: number) => Promise<number | string>): Promise<Map<string, number>> {
  const outcomes = new Map<string, number>()
  let next = 0
  await Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (next < count) {
      const i = next++
      let outcome: string
      try {
        outcome = String(await job(i))
      } catch (error) {
        outcome = `error: ${(error as Error).message.slice(0, 80)}`
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    }
  }))
  return outcomes
}

/** The 2025 GET stream of one of `sessions`: one open at a time per session, so a GET that races the previous one's close gets 409 and is retried. */
async function getStreamCycle (sessions: string[], i: number, conflicts: { count: number }): Promise<number> {
  const sessionId = sessions[i % sessions.length]
  for (let attempt = 0; ; attempt++) {
    const status = await streamCycle('/mcp', { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' }, false)
    if (status !== 409 || attempt >= 50) return status
    conflicts.count++
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

interface RoundResult { outcomes: Record<string, string>, sessionsOpened: number, getConflicts: number }

/** One round of every kind of churn, `count` of each. */
async function churn (count: number, round: string): Promise<RoundResult> {
  const describe = (m: Map<string, number>): string => [...m].map(([k, v]) => `${k}: ${v.toLocaleString('en-US')}`).join(', ')
  const outcomes: Record<string, string> = {}
  let started = performance.now()
  const seconds = (): string => { const s = ((performance.now() - started) / 1000).toFixed(1); started = performance.now(); return s }
  outcomes['/mcp/events/:clientId'] = describe(await run(count, async (i) => await streamCycle(`/mcp/events/churn-${round}-${i % EVENT_IDS}`))) + ` (${seconds()} s)`
  outcomes['/sse'] = describe(await run(count, async () => await streamCycle('/sse'))) + ` (${seconds()} s)`
  const getSessions: string[] = []
  await run(GET_SESSIONS, async (i) => { getSessions.push(await openSession(i)); return 'ok' })
  const conflicts = { count: 0 }
  outcomes['2025 GET /mcp stream'] = describe(await run(count, async (i) => await getStreamCycle(getSessions, i, conflicts))) + ` (${seconds()} s)`
  outcomes['2025 initialize, abandoned'] = describe(await run(count, async (i) => { await openSession(i); return 200 })) + ` (${seconds()} s)`
  outcomes['2026-07-28 tools/list and cut subscriptions/listen'] = describe(await run(count, modernRequest)) + ` (${seconds()} s)`
  return { outcomes, sessionsOpened: getSessions.length + count, getConflicts: conflicts.count }
}

async function clientCount (): Promise<number> {
  const health = await (await fetch(`${url}/mcp/health`)).json() as { clientCount: number }
  return health.clientCount
}

/**
 * The figures once the server is at rest: a first probe's collection lets the pending malloc trim run
 * (src/memory/trim-after-disconnects.ts waits for a major GC), then the second probe is the measurement.
 */
async function atRest (pid: number, child: { kill: (signal: NodeJS.Signals) => boolean }): Promise<Probe & { fds: number }> {
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const trimsBefore = trims
  await snapshot(pid, child)
  await until('the malloc trim after the wave of disconnects', () => trims > trimsBefore, 15_000)
  return await snapshot(pid, child)
}

async function snapshot (pid: number, child: { kill: (signal: NodeJS.Signals) => boolean }): Promise<Probe & { fds: number }> {
  const probe = new Promise<Probe>((resolve) => { probeWaiter = resolve })
  child.kill('SIGUSR2')
  const result = await probe
  return { ...result, fds: (await readdir(`/proc/${pid}/fd`)).length }
}

const dataDir = await mkdtemp(join(tmpdir(), 'reliability-churn-'))
const server = await startServerProcess(dataDir, {
  SESSION_IDLE_MS: '2000',
  MEMORY_TRIM_QUIET_MS: '1000',
  MAX_SESSIONS: '100000'
}, {
  nodeArgs: ['--expose-gc', '--import', join(ROOT, 'bench/reliability/resource-probe.ts')],
  onLine: (line) => {
    if (line.startsWith('{"resourceProbe"')) {
      probeWaiter?.((JSON.parse(line) as { resourceProbe: Probe }).resourceProbe)
      probeWaiter = undefined
    } else if (line.includes('MCP session idle: closed')) {
      reaped++
    } else if (line.includes('returned freed native memory to the OS')) {
      trims++
    }
  }
})
url = server.url
const pid = server.child.pid ?? 0
try {
  const settled = async (opened: number): Promise<boolean> =>
    await until('every stream closed and every abandoned session reaped', async () => reaped >= opened && await clientCount() === 0)

  const warm = await churn(WARM_UP, 'warm')
  await settled(warm.sessionsOpened)
  const before = await atRest(pid, server.child)

  const startedAt = performance.now()
  const main = await churn(CYCLES, 'main')
  const churnSeconds = (performance.now() - startedAt) / 1000
  const reapedBefore = reaped
  const allReaped = await settled(warm.sessionsOpened + main.sessionsOpened)
  const after = await atRest(pid, server.child)
  const streams = await clientCount()

  for (const [surface, outcome] of Object.entries(main.outcomes)) report.figure(`${surface}: outcomes`, outcome)
  report.figure('cycles per surface (warm-up, measured), time of the measured round', `${WARM_UP.toLocaleString('en-US')}, ${CYCLES.toLocaleString('en-US')}; ${churnSeconds.toFixed(1)} s`)
  report.figure('2025 GET retried after 409 (the previous GET of that session not yet closed)', main.getConflicts)
  report.figure('open streams after (health clientCount)', streams)
  report.figure('2025 sessions opened, reaped by the idle sweep', `${(warm.sessionsOpened + main.sessionsOpened).toLocaleString('en-US')}, ${reaped.toLocaleString('en-US')}`)
  report.figure('file descriptors: after warm-up, after churn', `${before.fds}, ${after.fds}`)
  report.figure('live timers: after warm-up, after churn', `${before.timers}, ${after.timers}`)
  report.figure('handles (getActiveResourcesInfo): after warm-up, after churn', `${JSON.stringify(before.handles)}, ${JSON.stringify(after.handles)}`)
  report.figure('RSS (MB): after warm-up, after churn; JS heap used (MB)', `${mb(before.rss)}, ${mb(after.rss)} (${((after.rss / before.rss - 1) * 100).toFixed(1)} %); ${mb(before.heapUsed)}, ${mb(after.heapUsed)}`)

  const unexpected = Object.entries(main.outcomes).filter(([, outcome]) => !/^200: [\d,]+ \(/.test(outcome))
  report.check('every cycle answered 200 on every surface', unexpected.length === 0, unexpected.map(([s, o]) => `${s}: ${o}`).join('; '))
  report.check(`0 open streams after the churn (${streams})`, streams === 0)
  report.check(`every abandoned 2025 session reaped (${reaped} of ${warm.sessionsOpened + main.sessionsOpened}; ${reaped - reapedBefore} after the churn ended)`, allReaped)
  report.check(`0 leaked file descriptors (${after.fds - before.fds})`, after.fds <= before.fds)
  const grown = Object.entries(after.timerSites).filter(([where, n]) => n > (before.timerSites[where] ?? 0)).map(([where, n]) => `${where}: ${before.timerSites[where] ?? 0} → ${n}`)
  report.check(`0 leaked timers (${after.timers - before.timers})`, after.timers <= before.timers, grown.slice(0, 5).join('; '))
  report.check(`RSS within +10 % of the value after warm-up (${mb(before.rss)} → ${mb(after.rss)} MB)`, after.rss <= before.rss * 1.1)
} finally {
  await stopServerProcess(server)
  await rm(dataDir, { recursive: true, force: true })
}
report.finish()
