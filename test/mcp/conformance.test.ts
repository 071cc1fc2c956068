/**
 * A quick run of a few official conformance scenarios (the CI runs the whole suite with `npm run conformance`).
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startMcpApp } from './helper.js'

const run = promisify(execFile)
const SUITE = fileURLToPath(new URL('../../node_modules/.bin/conformance', import.meta.url))

for (const scenario of ['tools-call-with-progress', 'tools-call-elicitation', 'server-sse-multiple-streams', 'dns-rebinding-protection']) {
  t.test(scenario, async (t) => {
    const { url } = await startMcpApp(t, { MCP_CONFORMANCE_FIXTURES: true })
    const { stdout } = await run(SUITE, ['server', '--url', url, '--scenario', scenario], { timeout: 60_000 })
    t.match(stdout, /Passed: (\d+)\/\1, 0 failed, 0 warnings/, 'every check passed')
  })
}
