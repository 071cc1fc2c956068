/**
 * Throughput of the seed route POST /mcp/tools/list against a minimal node:http server answering the same payload,
 * measured in the same run. Target (issue 2): ours ≥ 0.5× the baseline.
 *   npx tsx bench/tools-list.ts [--duration 8] [--connections 50]
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, load, startServerProcess, stopProcess } from './support/processes.js'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } } })
const duration = Number(values.duration)
const connections = Number(values.connections)
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
const headers = { 'content-type': 'application/json' }

const ourPort = await freePort()
const ours = await startServerProcess('src/cli.ts', { PORT: String(ourPort), DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')), RENDER_WORKERS: '1' }, `http://127.0.0.1:${ourPort}/health`)
const payloadResponse = await fetch(`http://127.0.0.1:${ourPort}/mcp/tools/list`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/list' }) })
const payload = await payloadResponse.text()

const basePort = await freePort()
const baseline = await startServerProcess('bench/baselines/jsonrpc-fixed-server.ts', { PORT: String(basePort), PAYLOAD: payload }, `http://127.0.0.1:${basePort}/`)

// Warm both (JIT, connection pools), then measure.
await load({ url: `http://127.0.0.1:${basePort}/`, method: 'POST', body, headers, connections, duration: 2 })
await load({ url: `http://127.0.0.1:${ourPort}/mcp/tools/list`, method: 'POST', body, headers, connections, duration: 2 })
const base = await load({ url: `http://127.0.0.1:${basePort}/`, method: 'POST', body, headers, connections, duration })
const mine = await load({ url: `http://127.0.0.1:${ourPort}/mcp/tools/list`, method: 'POST', body, headers, connections, duration })
await stopProcess(ours)
await stopProcess(baseline)

console.log(`\n\`npx tsx bench/tools-list.ts --duration ${duration} --connections ${connections}\` (payload ${payload.length} bytes)\n`)
console.log('| server | req/s | p50 ms | p99 ms | errors | non-2xx | ratio to baseline |')
console.log('|---|---|---|---|---|---|---|')
for (const [name, r] of [['node:http fixed payload (baseline)', base], ['chart-img-mcp POST /mcp/tools/list', mine]] as const) {
  console.log(`| ${name} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${(r.requestsPerSecond / base.requestsPerSecond).toFixed(2)}x |`)
}
