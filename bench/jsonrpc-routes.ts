/**
 * Throughput of the JSON-RPC routes POST /mcp/tools/list and POST /mcp/tools/call (health_check), each against a
 * minimal node:http server answering the same payload, measured in the same run. Target (issue 2): tools/list ≥ 0.5×
 * the baseline.
 *   npx tsx bench/jsonrpc-routes.ts [--duration 8] [--connections 50]
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { freePort, load, startServerProcess, stopProcess, type LoadResult } from './support/processes.js'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } } })
const duration = Number(values.duration)
const connections = Number(values.connections)
const headers = { 'content-type': 'application/json' }
const cases = [
  { label: 'tools/list', path: '/mcp/tools/list', message: { method: 'tools/list' } },
  { label: 'tools/call health_check', path: '/mcp/tools/call', message: { method: 'tools/call', params: { name: 'health_check', arguments: {} } } }
]

const ourPort = await freePort()
const ours = await startServerProcess('src/cli.ts', { PORT: String(ourPort), DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-')), RENDER_WORKERS: '1' }, `http://127.0.0.1:${ourPort}/health`)

const rows: Array<{ name: string, result: LoadResult, ratio: number, bytes: number }> = []
for (const { label, path, message } of cases) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, ...message })
  const url = `http://127.0.0.1:${ourPort}${path}`
  // The baseline answers the bytes our route answers (fetched once; id 0 is replaced by the request's id).
  const payload = await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, ...message }) })).text()
  const basePort = await freePort()
  const baseline = await startServerProcess('bench/baselines/jsonrpc-fixed-server.ts', { PORT: String(basePort), PAYLOAD: payload }, `http://127.0.0.1:${basePort}/`)
  // Warm both (JIT, connection pools), then measure.
  await load({ url: `http://127.0.0.1:${basePort}/`, method: 'POST', body, headers, connections, duration: 2 })
  await load({ url, method: 'POST', body, headers, connections, duration: 2 })
  const base = await load({ url: `http://127.0.0.1:${basePort}/`, method: 'POST', body, headers, connections, duration })
  const mine = await load({ url, method: 'POST', body, headers, connections, duration })
  await stopProcess(baseline)
  rows.push({ name: `node:http fixed payload (baseline for ${label})`, result: base, ratio: 1, bytes: payload.length })
  rows.push({ name: `chart-img-mcp POST ${path} ${label}`, result: mine, ratio: mine.requestsPerSecond / base.requestsPerSecond, bytes: payload.length })
}
await stopProcess(ours)

console.log(`\n\`npx tsx bench/jsonrpc-routes.ts --duration ${duration} --connections ${connections}\`\n`)
console.log('| server | payload bytes | req/s | p50 ms | p99 ms | errors | non-2xx | ratio to baseline |')
console.log('|---|---|---|---|---|---|---|---|')
for (const { name, result: r, ratio, bytes } of rows) {
  console.log(`| ${name} | ${bytes} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${ratio.toFixed(2)}x |`)
}
