/**
 * `npm run conformance`: starts the real app (buildApp) with MCP_CONFORMANCE_FIXTURES=1 on 127.0.0.1:<free port> with
 * a temporary DATA_DIR, runs the official suite (@modelcontextprotocol/conformance@0.1.13, pinned) against /mcp, and
 * exits with the suite's exit code. Default `--suite all`; extra arguments go to the suite, e.g.
 * `npm run conformance -- --scenario tools-call-with-progress --verbose`. No baseline file: every scenario must pass.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const SUITE_BIN = join(ROOT, 'node_modules', '.bin', 'conformance')

async function main (): Promise<number> {
  const extra = process.argv.slice(2)
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
  try {
    await app.listen({ host: config.HOST, port: 0 })
    const address = app.server.address()
    if (address === null || typeof address !== 'object') throw new Error('the app has no listening address')
    const url = `http://127.0.0.1:${address.port}/mcp`
    const selection = extra.includes('--scenario') || extra.includes('--suite') ? [] : ['--suite', 'all']
    console.log(`conformance: app with fixtures at ${url}`)
    const child = spawn(SUITE_BIN, ['server', '--url', url, ...selection, ...extra], { stdio: 'inherit', cwd: ROOT })
    const [code, signal] = await once(child, 'exit') as [number | null, NodeJS.Signals | null]
    if (signal !== null) console.error(`conformance: the suite was killed by ${signal}`)
    return code ?? 1
  } finally {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

main().then((code) => { process.exitCode = code }, (error: unknown) => {
  console.error('conformance: could not run:', error instanceof Error ? error.message : error)
  process.exitCode = 1
})
