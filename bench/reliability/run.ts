/**
 * `npm run reliability [-- --bounded] [scenario…]`: the fault suite (RELIABILITY.md). Each scenario runs in its own
 * process, so one's memory, sockets or crash never touch the next; a scenario that crashes counts as a failure.
 * Ends with `reliability: N passed, N failed` (checks over all scenarios), which CI adds to its total.
 */
import { spawn } from 'node:child_process'
import { ROOT } from '../support/processes.js'

const SCENARIOS = ['upstream-faults', 'disk', 'fuzz', 'sigterm', 'reconnect-storm', 'slow-consumers', 'churn']

const args = process.argv.slice(2)
const bounded = args.includes('--bounded')
const chosen = args.filter((a) => !a.startsWith('--'))
const selected = chosen.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => chosen.includes(s))

let passed = 0
let failed = 0
for (const scenario of selected) {
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', 'tsx', `bench/reliability/${scenario}.ts`, ...(bounded ? ['--bounded'] : [])], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); process.stdout.write(chunk) })
  const code = await new Promise<number | null>((resolve) => { child.once('exit', (c) => { resolve(c) }) })
  const counts = /^checks: (\d+) passed, (\d+) failed$/m.exec(output)
  if (counts === null) {
    console.log(`FAILED ${scenario}: exited with ${String(code)} before printing its checks`)
    failed++
  } else {
    passed += Number(counts[1])
    failed += Number(counts[2])
    if (code !== 0 && Number(counts[2]) === 0) { console.log(`FAILED ${scenario}: exit code ${String(code)}`); failed++ }
  }
  console.log(`(${scenario}: ${((performance.now() - started) / 1000).toFixed(1)} s)`)
}
console.log(`\nreliability: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 ? 0 : 1
