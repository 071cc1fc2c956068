/**
 * Throughput of MCP over Streamable HTTP at /mcp, per protocol era — `tools/call health_check` (and `tools/list`) in a
 * 2025-11-25 session (SSE and JSON response modes) and as 2026-07-28 sessionless requests — against, in the same run:
 *   (a) the official SDK v2's own example server (`createMcpHandler` + `toNodeHandler` on plain node:http: 2026
 *       per request, 2025 statelessly), and
 *   (b) a minimal node:http JSON-RPC echo answering the same bytes.
 * Plus memory per idle 2025 session with 1,000 open sessions. Targets: ours ≥ (a) on both eras; heap per idle
 * session ≤ 28 KB.
 *
 *   npx tsx bench/mcp-throughput.ts [--duration 5] [--connections 50] [--sessions 1000] [--memory-only]
 *
 * Every server runs in its own child process, so autocannon never shares their event loop. Our server is the real
 * app (buildApp) when it boots; otherwise (while parts of the app are missing) the MCP plugins and routes on their own,
 * and the table says which.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import { ROOT, stopProcess } from './support/processes.js'

/** The part of autocannon 9's API used here (the package ships no types). */
interface AutocannonResult { requests: { average: number }, latency: { p50: number, p99: number }, errors: number, timeouts: number, non2xx: number }
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

const SELF = fileURLToPath(import.meta.url)
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }
const MODERN = '2026-07-28'
/** The per-request envelope every 2026-07-28 request carries. */
const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} }
function modernHeaders (method: string, name?: string): Record<string, string> {
  return { ...MCP_HEADERS, 'mcp-protocol-version': MODERN, 'mcp-method': method, ...(name === undefined ? {} : { 'mcp-name': name }) }
}

interface Ready { port: number, composition: string }

// ---------------------------------------------------------------------------------------------------------------
// Child: our server.
async function serveOurs (json: boolean, maxSessions: string): Promise<void> {
  const { loadConfig } = await import('../src/config.js')
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-bench-')),
    LOG_LEVEL: 'silent',
    RENDER_WORKERS: '1',
    MAX_SESSIONS: maxSessions,
    MCP_JSON_RESPONSE: json ? '1' : '0',
    AUTH_TOKEN: ''
  }
  const config = loadConfig(env)
  const { buildApp } = await import('../src/app.js')
  const app = await buildApp(config, { logger: false })
  const composition = 'buildApp'
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  process.on('message', (message) => {
    if (message === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc
      gc?.()
      gc?.()
      process.send?.({ memory: process.memoryUsage(), gc: gc !== undefined })
    }
  })
  process.once('SIGTERM', () => { app.close().finally(() => process.exit(0)) })
  process.send?.({ port, composition } satisfies Ready)
}

// ---------------------------------------------------------------------------------------------------------------
// Parent.
const children = new Set<ChildProcess>()
process.once('exit', () => { for (const child of children) child.kill('SIGKILL') })

async function startChild (script: string, args: string[], env: Record<string, string> = {}, readyUrl?: (port: number) => string): Promise<{ child: ChildProcess, ready: Ready }> {
  const port = env.PORT !== undefined ? Number(env.PORT) : 0
  const child = fork(script, args, { cwd: ROOT, execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  children.add(child)
  child.once('exit', () => { children.delete(child) })
  if (readyUrl === undefined) {
    const ready = await new Promise<Ready>((resolve, reject) => {
      child.once('message', (m) => { resolve(m as Ready) })
      child.once('exit', (code) => { reject(new Error(`${script} exited with ${String(code)}`)) })
    })
    return { child, ready }
  }
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      await fetch(readyUrl(port), { method: 'POST', body: '{"jsonrpc":"2.0","id":0,"method":"ping"}', headers: MCP_HEADERS })
      return { child, ready: { port, composition: script } }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`${script} did not start`)
}

async function freePort (): Promise<number> {
  const { createServer } = await import('node:net')
  return await new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
  })
}

async function initSession (url: string): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(INIT) })
  const id = response.headers.get('mcp-session-id')
  await response.text()
  if (response.status !== 200 || id === null) throw new Error(`initialize failed: ${response.status}`)
  const note = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' }, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })
  await note.text()
  return id
}

interface Row { server: string, method: string, mode: string, rps: number, p50: number, p99: number, bad: number }

async function measure (label: Omit<Row, 'rps' | 'p50' | 'p99' | 'bad'>, url: string, headers: Record<string, string>, message: { method: string, params?: unknown }, connections: number, duration: number): Promise<Row> {
  let next = 1
  const options = {
    url,
    method: 'POST' as const,
    headers,
    connections,
    duration,
    // A unique id per request: ids are per session, and in-flight duplicates would be a client bug.
    requests: [{ setupRequest: (request: Record<string, unknown>) => ({ ...request, body: JSON.stringify({ jsonrpc: '2.0', id: next++, ...message }) }) }]
  }
  await autocannon({ ...options, duration: 1 }) // warm-up: JIT, sockets
  const result = await autocannon(options)
  return { ...label, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.errors + result.timeouts + result.non2xx }
}

interface Target { label: Omit<Row, 'rps' | 'p50' | 'p99' | 'bad'>, url: string, headers: Record<string, string>, message: { method: string, params?: unknown } }

/** The median run of a row (by req/s). */
function median (runs: Row[]): Row {
  return [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]
}

async function main (): Promise<void> {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' }, sessions: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' }, 'memory-only': { type: 'boolean', default: false } } })
  const duration = Number(values.duration)
  const connections = Number(values.connections)
  const sessionCount = Number(values.sessions)
  const rounds = Number(values.rounds)
  const call = { method: 'tools/call', params: { name: 'health_check', arguments: {} } }
  const list = { method: 'tools/list', params: {} }
  const modernCall = { method: 'tools/call', params: { name: 'health_check', arguments: {}, _meta: ENVELOPE } }
  const modernList = { method: 'tools/list', params: { _meta: ENVELOPE } }
  const rows: Row[] = []
  const notes: string[] = []
  const throughput = values['memory-only'] !== true
  let echoRps = 1

  if (throughput) {
    // Every server is up for the whole run and the rows are measured in rounds, each round visiting every row, so a
    // change in the machine's load (it is shared) hits every server alike; each row reports its median round.
    const sse = await startChild(SELF, ['--serve-ours', 'sse', '100'])
    const json = await startChild(SELF, ['--serve-ours', 'json', '100'])
    const sdkPort = await freePort()
    const sdk = await startChild(join(ROOT, 'bench/baselines/mcp-sdk-example-server.ts'), [], { PORT: String(sdkPort) }, (p) => `http://127.0.0.1:${p}/`)
    notes.push(`ours: ${sse.ready.composition} (one process per response mode)`)
    const sseUrl = `http://127.0.0.1:${sse.ready.port}/mcp`
    const jsonUrl = `http://127.0.0.1:${json.ready.port}/mcp`
    const sdkUrl = `http://127.0.0.1:${sdkPort}/`
    const session = { ...MCP_HEADERS, 'mcp-session-id': await initSession(sseUrl), 'mcp-protocol-version': '2025-11-25' }
    const jsonSession = { ...MCP_HEADERS, 'mcp-session-id': await initSession(jsonUrl), 'mcp-protocol-version': '2025-11-25' }

    // The echo answers the exact bytes our health_check result has (fetched once in JSON form).
    const sample = await (await fetch(jsonUrl, { method: 'POST', headers: jsonSession, body: JSON.stringify({ jsonrpc: '2.0', id: 0, ...call }) })).text()
    const payload = sample.startsWith('{') ? sample : (/data: (\{.*\})/.exec(sample)?.[1] ?? '{"jsonrpc":"2.0","id":0,"result":{}}')
    const echoPort = await freePort()
    const echo = await startChild(join(ROOT, 'bench/baselines/mcp-echo-server.ts'), [], { PORT: String(echoPort), PAYLOAD: payload }, (p) => `http://127.0.0.1:${p}/`)

    const targets: Target[] = [
      { label: { server: 'chart-img-mcp /mcp, 2025-11-25 session', method: 'tools/call health_check', mode: 'sse' }, url: sseUrl, headers: session, message: call },
      { label: { server: 'chart-img-mcp /mcp, 2025-11-25 session', method: 'tools/call health_check', mode: 'json' }, url: jsonUrl, headers: jsonSession, message: call },
      { label: { server: '(a) SDK v2 example server, 2025-11-25 (stateless)', method: 'tools/call health_check', mode: 'auto' }, url: sdkUrl, headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2025-11-25' }, message: call },
      { label: { server: 'chart-img-mcp /mcp, 2026-07-28', method: 'tools/call health_check', mode: 'auto' }, url: sseUrl, headers: modernHeaders('tools/call', 'health_check'), message: modernCall },
      { label: { server: '(a) SDK v2 example server, 2026-07-28', method: 'tools/call health_check', mode: 'auto' }, url: sdkUrl, headers: modernHeaders('tools/call', 'health_check'), message: modernCall },
      { label: { server: 'chart-img-mcp /mcp, 2025-11-25 session', method: 'tools/list', mode: 'sse' }, url: sseUrl, headers: session, message: list },
      { label: { server: 'chart-img-mcp /mcp, 2026-07-28', method: 'tools/list', mode: 'auto' }, url: sseUrl, headers: modernHeaders('tools/list'), message: modernList },
      { label: { server: '(b) node:http JSON-RPC echo', method: 'tools/call health_check', mode: 'json' }, url: `http://127.0.0.1:${echoPort}/`, headers: { 'content-type': 'application/json' }, message: call }
    ]
    const runs = targets.map((): Row[] => [])
    for (let round = 0; round < rounds; round++) {
      for (const [index, target] of targets.entries()) runs[index].push(await measure(target.label, target.url, target.headers, target.message, connections, duration))
    }
    rows.push(...runs.map(median))
    echoRps = rows.at(-1)?.rps ?? 1
    await Promise.all([stopProcess(sse.child), stopProcess(json.child), stopProcess(sdk.child), stopProcess(echo.child)])
  }

  // Memory per idle 2025 session.
  const mem = await startChild(SELF, ['--serve-ours', 'sse', String(sessionCount + 100)])
  const memUrl = `http://127.0.0.1:${mem.ready.port}/mcp`
  const sample0 = await askMemory(mem.child)
  for (let i = 0; i < sessionCount; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, sessionCount - i) }, async () => await initSession(memUrl)))
  }
  const sample1 = await askMemory(mem.child)
  await stopProcess(mem.child)

  const ratio = (r: Row): string => (r.rps / echoRps).toFixed(2)
  const out = [
    `Command: \`npx tsx bench/mcp-throughput.ts --duration ${duration} --connections ${connections} --sessions ${sessionCount} --rounds ${rounds}\` (Node ${process.version}, ${connections} connections, ${duration} s per row after a 1 s warm-up, median of ${rounds} rounds)`,
    '',
    '| server | method | response | req/s | p50 ms | p99 ms | errors/non-2xx | × echo |',
    '|---|---|---|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.server} | ${r.method} | ${r.mode === 'sse' ? 'SSE stream' : r.mode === 'json' ? 'JSON' : 'SDK default'} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.bad} | ${ratio(r)} |`),
    '',
    `Memory with ${sessionCount} idle 2025 sessions${sample1.gc ? ' (after gc)' : ' (no --expose-gc: approximate)'}: heapUsed +${mb(sample1.memory.heapUsed - sample0.memory.heapUsed)} MB, ` +
      `rss +${mb(sample1.memory.rss - sample0.memory.rss)} MB → **${kb((sample1.memory.heapUsed - sample0.memory.heapUsed) / sessionCount)} KB heap / ${kb((sample1.memory.rss - sample0.memory.rss) / sessionCount)} KB rss per session**`,
    '',
    ...notes.map((n) => `- ${n}`)
  ]
  const callRow = (server: string, mode?: string): Row | undefined => rows.find((r) => r.server.startsWith(server) && r.method.startsWith('tools/call') && (mode === undefined || r.mode === mode))
  const versus = (ours: Row | undefined, sdk: Row | undefined, what: string): void => {
    if (ours !== undefined && sdk !== undefined) out.push(`- ${what}: ours ${Math.round(ours.rps)} req/s vs SDK example ${Math.round(sdk.rps)} req/s → ${(ours.rps / sdk.rps).toFixed(2)}× (${ours.rps >= sdk.rps ? 'met' : 'NOT met'})`)
  }
  versus(callRow('chart-img-mcp /mcp, 2025', 'sse'), callRow('(a) SDK v2 example server, 2025'), '2025-11-25 tools/call health_check (ours in a session, SSE)')
  versus(callRow('chart-img-mcp /mcp, 2025', 'json'), callRow('(a) SDK v2 example server, 2025'), '2025-11-25 tools/call health_check (ours in a session, JSON)')
  versus(callRow('chart-img-mcp /mcp, 2026'), callRow('(a) SDK v2 example server, 2026'), '2026-07-28 tools/call health_check')
  console.log(out.join('\n'))
}

async function askMemory (child: ChildProcess): Promise<{ memory: NodeJS.MemoryUsage, gc: boolean }> {
  return await new Promise((resolve) => {
    child.once('message', (m) => { resolve(m as { memory: NodeJS.MemoryUsage, gc: boolean }) })
    child.send('memory')
  })
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1)
const kb = (bytes: number): string => (bytes / 1024).toFixed(1)

const serveAt = process.argv.indexOf('--serve-ours')
if (serveAt >= 0) {
  await serveOurs(process.argv[serveAt + 1] === 'json', process.argv[serveAt + 2] ?? '100')
} else {
  await main()
  process.exit(0)
}
