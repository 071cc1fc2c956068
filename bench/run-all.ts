/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's memory or threads never skew the
 * next), printing their Markdown tables. BENCHMARKS.md records a run of this with the machine it ran on.
 */
import { spawnSync } from 'node:child_process'
import { ROOT } from './support/processes.js'

const BENCHES: Array<[string, string[]]> = [
  ['bench/jsonrpc-routes.ts', []],
  ['bench/fanout.ts', []],
  ['bench/render.ts', []],
  ['bench/render-cores.ts', []],
  ['bench/heartbeat-during-renders.ts', []],
  ['bench/chart-img-client.ts', []],
  ['bench/market-data.ts', []],
  ['bench/mcp-throughput.ts', []],
  ['bench/security-burst.ts', []]
]

let failed = 0
for (const [script, args] of BENCHES) {
  console.log(`\n## ${script}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: 'inherit' })
  if (result.status !== 0) {
    failed++
    console.log(`(${script} exited with ${String(result.status ?? result.signal)})`)
  }
}
process.exitCode = failed === 0 ? 0 : 1
