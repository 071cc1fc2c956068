/**
 * Issue 3's pool target read literally: charts/s of the embedded engine when the process may use 2 cores against
 * when it may use 1 (`taskset`), with the pool sized by the default (one worker per available core). Rounds
 * alternate so drifting machine load hits both alike. bench/render.ts measures the other reading (2 workers against
 * 1 worker on an unpinned 2-core machine).
 *   npx tsx bench/render-cores.ts [--rounds 3]
 */
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { ROOT } from './support/processes.js'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' } } })
const rounds = Number(values.rounds)

function run (cpus: string): { cores: number, chartsPerSecond: number } {
  const result = spawnSync('taskset', ['-c', cpus, process.execPath, '--import', 'tsx', 'bench/support/render-throughput.ts'], { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`render-throughput on CPUs ${cpus} failed: ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').at(-1) as string)
}

const rows: Array<{ one: number, two: number }> = []
for (let i = 0; i < rounds; i++) {
  const one = run('0').chartsPerSecond
  const two = run('0,1').chartsPerSecond
  rows.push({ one, two })
}
const ratios = rows.map((r) => r.two / r.one).sort((a, b) => a - b)
console.log(`\n\`npx tsx bench/render-cores.ts --rounds ${rounds}\` (candle + Volume + MA, 800×600, 48 concurrent renders, cache off)\n`)
console.log('| round | 1 core (taskset -c 0), 1 worker, charts/s | 2 cores (taskset -c 0,1), 2 workers, charts/s | ratio |')
console.log('|---|---:|---:|---:|')
rows.forEach((r, i) => { console.log(`| ${i + 1} | ${r.one.toFixed(1)} | ${r.two.toFixed(1)} | ${(r.two / r.one).toFixed(2)}× |`) })
console.log(`\nmedian 2 cores / 1 core: **${ratios[Math.floor(ratios.length / 2)].toFixed(2)}×** (target ≥ 1.7×)`)
