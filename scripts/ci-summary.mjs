// Prints "N passed, N failed" from tap's closing summary (`# { total: N, pass: N, fail: N, … }`), the conformance
// suite's `Total: N passed, N failed`, and the number of failed check steps (typecheck, lint, build). CI reads the line.
import { readFileSync } from 'node:fs'

const [tapLog, conformanceLog, failedSteps = '0'] = process.argv.slice(2)
const read = (file) => { try { return readFileSync(file, 'utf8') } catch { return '' } }

let passed = 0
let failed = Number(failedSteps) || 0
let ok = true

const tapSummaries = [...read(tapLog).matchAll(/^# \{ ?total: (\d+)(.*)\}$/gm)]
const tapSummary = tapSummaries.at(-1)
if (tapSummary === undefined) {
  console.log('tap printed no summary: counting the test run as one failure')
  failed += 1
  ok = false
} else {
  const field = (name) => Number(new RegExp(`${name}: (\\d+)`).exec(tapSummary[2])?.[1] ?? 0)
  passed += field('pass')
  failed += field('fail')
}

const conformance = [...read(conformanceLog).matchAll(/Total: (\d+) passed, (\d+) failed/g)].at(-1)
if (conformance === undefined) {
  console.log('the conformance suite printed no total: counting it as one failure')
  failed += 1
  ok = false
} else {
  passed += Number(conformance[1])
  failed += Number(conformance[2])
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(ok && failed === 0 ? 0 : 1)
