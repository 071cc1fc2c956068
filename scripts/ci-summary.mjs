// Prints "N passed, N failed" over every run CI made: tap's closing summary (`# { total: N, pass: N, fail: N, … }`)
// of each test run (--tap, repeatable: Node 20, 22, 24, the loaded-machine run), the conformance suite's
// `Total: N passed, N failed` (--conformance, repeatable), the fault suite's `reliability: N passed, N failed`
// (--checks, repeatable), and the number of failed check steps (--steps: typecheck, lint, build…). CI reads the line.
// A log that has no summary counts as one failure: a run that crashed before its summary must not pass silently.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '0' },
    tap: { type: 'string', multiple: true, default: [] },
    conformance: { type: 'string', multiple: true, default: [] },
    checks: { type: 'string', multiple: true, default: [] }
  }
})
const read = (file) => { try { return readFileSync(file, 'utf8') } catch { return '' } }

let passed = 0
let failed = Number(values.steps) || 0
let ok = true

function missing (file, what) {
  console.log(`${file}: ${what} printed no summary: counting it as one failure`)
  failed += 1
  ok = false
}

for (const file of values.tap) {
  const summary = [...read(file).matchAll(/^# \{ ?total: (\d+)(.*)\}$/gm)].at(-1)
  if (summary === undefined) { missing(file, 'tap'); continue }
  const field = (name) => Number(new RegExp(`${name}: (\\d+)`).exec(summary[2])?.[1] ?? 0)
  passed += field('pass')
  failed += field('fail')
}

const totals = (files, pattern, what) => {
  for (const file of files) {
    const total = [...read(file).matchAll(pattern)].at(-1)
    if (total === undefined) { missing(file, what); continue }
    passed += Number(total[1])
    failed += Number(total[2])
  }
}
totals(values.conformance, /Total: (\d+) passed, (\d+) failed/g, 'the conformance suite')
totals(values.checks, /^reliability: (\d+) passed, (\d+) failed$/gm, 'the fault suite')

console.log(`${passed} passed, ${failed} failed`)
process.exit(ok && failed === 0 ? 0 : 1)
