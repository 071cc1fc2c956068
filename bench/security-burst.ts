/**
 * Limits under the scripted burst: while one principal (alice) sends 3,000 tools/list, 1,000 initialize
 * without DELETE and, from another address, 2,000 wrong tokens, how slow does another principal (bob) get?
 * Bob's latency for GET /mcp/tools is sampled at a steady pace first with nothing else running (idle, the baseline)
 * and then during the burst, in the same run against the same server. The abuser keeps flooding (past the scripted
 * counts) for --flood seconds, so bob's samples during the burst are as many as the idle ones. --paced sends the
 * burst at the rates the issue measured for its script; without it the abuser sends as fast as it is answered
 * (CONCURRENCY in flight per kind), which saturates the server's one event loop. Target (issue 9): bob's p99 during the burst
 * ≤ 1.5× his idle p99, and the abusive traffic answered 429/503.
 *   npx tsx bench/security-burst.ts [--samples 400] [--interval 5] [--concurrency 10] [--flood 6] [--paced]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, ROOT, startServerProcess, stopProcess } from './support/processes.js'

const { values } = parseArgs({ options: { samples: { type: 'string', default: '400' }, interval: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '10' }, flood: { type: 'string', default: '6' }, paced: { type: 'boolean', default: false } } })
const samples = Number(values.samples)
const intervalMs = Number(values.interval)
const ALICE = 'alice-bench-token-0123456789'
const BOB = 'bob-bench-token-0123456789'

const port = await freePort()
const url = `http://127.0.0.1:${port}`
const server = await startServerProcess('src/cli.ts', {
  PORT: String(port),
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-security-')),
  RENDER_WORKERS: '1',
  AUTH_TOKENS: `alice:${ALICE},bob:${BOB}`,
  // Bob sends ~850 requests in this run: under the limit; alice's flood is far over it.
  RATE_LIMIT_MAX: '1200',
  MCP_SESSIONS_PER_PRINCIPAL: '20'
}, `${url}/health`)

/** Bob's GET /mcp/tools latencies (ms), one request every `intervalMs` while `keepGoing` says so. */
async function sampleBob (count: number, keepGoing: () => boolean = () => true): Promise<{ latencies: number[], statuses: Record<string, number> }> {
  const latencies: number[] = []
  const statuses: Record<string, number> = {}
  for (let i = 0; i < count && keepGoing(); i++) {
    const started = performance.now()
    const response = await fetch(`${url}/mcp/tools`, { headers: { authorization: `Bearer ${BOB}` } })
    await response.arrayBuffer()
    latencies.push(performance.now() - started)
    statuses[response.status] = (statuses[response.status] ?? 0) + 1
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  return { latencies, statuses }
}

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

await sampleBob(50) // warm-up (JIT, connection)
const idle = await sampleBob(samples)

const abuser = spawn(process.execPath, ['--import', 'tsx', 'bench/support/security-abuser.ts'], {
  cwd: ROOT,
  env: { ...process.env, URL: url, TOKEN: ALICE, CONCURRENCY: values.concurrency, DURATION_MS: String(Number(values.flood) * 1000), PACED: values.paced ? '1' : '0' },
  stdio: ['ignore', 'pipe', 'inherit']
})
let report = ''
abuser.stdout.on('data', (chunk: Buffer) => { report += chunk.toString() })
let burstOver = false
const abuserDone = new Promise<void>((resolve) => abuser.once('exit', () => { burstOver = true; resolve() }))
const during = await sampleBob(samples, () => !burstOver)
await abuserDone
await stopProcess(server)

const burst = JSON.parse(report) as { ms: number, toolsList: Record<string, number>, initialize: Record<string, number>, badTokens: Record<string, number> }
const fmt = (n: number): string => n.toFixed(2)
console.log(`\n\`npx tsx bench/security-burst.ts --samples ${samples} --interval ${intervalMs} --concurrency ${values.concurrency} --flood ${values.flood}${values.paced ? ' --paced' : ''}\`\n`)
console.log('| bob, GET /mcp/tools | samples | p50 ms | p99 ms | statuses |')
console.log('|---|---:|---:|---:|---|')
console.log(`| idle (baseline) | ${idle.latencies.length} | ${fmt(percentile(idle.latencies, 50))} | ${fmt(percentile(idle.latencies, 99))} | ${JSON.stringify(idle.statuses)} |`)
console.log(`| during alice's burst | ${during.latencies.length} | ${fmt(percentile(during.latencies, 50))} | ${fmt(percentile(during.latencies, 99))} | ${JSON.stringify(during.statuses)} |`)
console.log(`\np99 ratio during/idle: **${(percentile(during.latencies, 99) / percentile(idle.latencies, 99)).toFixed(2)}×**`)
console.log(`\nalice's burst (${burst.ms} ms): tools/list ${JSON.stringify(burst.toolsList)}, initialize ${JSON.stringify(burst.initialize)}; wrong tokens from 127.0.0.2 ${JSON.stringify(burst.badTokens)}`)
