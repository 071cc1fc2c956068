/**
 * The install paths of the README, as a new user takes them, each from a directory outside the repository:
 * `npm install -g` of a packed tarball (`npm pack`) and of the repository folder into a temporary prefix. The
 * installed `chart-img-mcp` then answers --version, serves MCP over stdio to the SDK's StdioClientTransport (a chart
 * made with no DATA_DIR lands in the per-user data directory and is named by a file:// URL, not by a link to a server
 * that is not running) and serves HTTP with `serve`.
 *
 * Speed: the tarball install reuses this checkout's compiled better-sqlite3 (installed-package.ts, makeLocalPrebuild)
 * and npm's cache (--prefer-offline); measured at about 12 s. Should npm resolve another better-sqlite3 version, the
 * install compiles it (about 60 s more), hence the generous timeout.
 */
import t, { type Test } from 'tap'
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { commandEnv, installGlobally, makeLocalPrebuild, packRepository, PACKAGE_VERSION, REPO_ROOT } from './installed-package.js'

const run = promisify(execFile)

interface Installed { bin: string, outside: string }

/** stdio through the SDK client: tools/list, then a chart; returns the file:// URL the result names. */
async function chartOverStdio (t: Test, installed: Installed, env: Record<string, string>): Promise<string> {
  const transport = new StdioClientTransport({ command: installed.bin, args: ['stdio'], cwd: installed.outside, env, stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const client = new Client({ name: 'install-test', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getServerVersion()?.version, PACKAGE_VERSION, 'the installed server reports the package version')
  const { tools } = await client.listTools()
  t.ok(tools.some((tool) => tool.name === 'generate_chart'), 'tools/list over stdio names generate_chart')

  const result = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1W', width: 640, height: 400 } })
  const content = result.content as Array<{ type: string, text?: string, data?: string, mimeType?: string }>
  t.notOk(result.isError, `the chart is made (stderr: ${stderr.slice(-500)})`)
  const image = content.find((part) => part.type === 'image')
  t.equal(image?.mimeType, 'image/png', 'the image comes inline')
  t.ok(Buffer.from(image?.data ?? '', 'base64').subarray(1, 4).equals(Buffer.from('PNG')), 'inline data is a PNG')
  const text = content.filter((part) => part.type === 'text').map((part) => part.text).join('\n')
  t.notMatch(text, /https?:\/\//, 'no link to an HTTP server, since none runs')
  const fileUrl = /file:\/\/\S+\.png/.exec(text)?.[0]
  t.ok(fileUrl, `the result names the stored image by a file:// URL: ${text}`)
  return fileUrl ?? ''
}

/** `serve` on a free port: the ready line, /mcp/health and the studio page, then a graceful SIGTERM exit. */
async function serveOverHttp (t: Test, installed: Installed, env: Record<string, string>): Promise<void> {
  const child = spawn(installed.bin, ['serve'], { cwd: installed.outside, env: { ...env, PORT: '0', DATA_DIR: join(installed.outside, 'served-data') }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let url: string | undefined
  while (url === undefined) {
    const [chunk] = await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => { throw new Error(`serve exited: ${stdout}`) })]) as [Buffer]
    stdout += chunk.toString()
    url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1]
  }
  const health = await fetch(`${url}/mcp/health`)
  t.equal(health.status, 200, 'serve answers /mcp/health')
  const page = await fetch(`${url}/`)
  t.match(await page.text(), /<html/i, 'and serves the pages from the installed package')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'SIGTERM ends serve cleanly')
}

t.test('installed with npm install -g, run from another directory', { timeout: 300_000 }, async (t) => {
  // Outside the repository (t.testdir() would be inside it, under .tap/).
  const work = mkdtempSync(join(tmpdir(), 'chart-img-mcp-install-'))
  t.teardown(() => { rmSync(work, { recursive: true, force: true }) })
  for (const dir of ['outside', 'home', 'xdg', 'prebuilds', 'pack']) mkdirSync(join(work, dir))
  const outside = join(work, 'outside')
  await makeLocalPrebuild(join(work, 'prebuilds'), work)

  t.test('from a packed tarball (npm pack)', async (t) => {
    const tarball = await packRepository(join(work, 'pack'))
    t.ok(existsSync(tarball), 'npm pack made a tarball')
    // npm pack ran `prepare` (tsc -b): `npm start`'s prestart (the same tsc -b) now has nothing to compile.
    const scripts = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
    t.equal(scripts.prestart, 'tsc -b tsconfig.build.json', 'npm start builds incrementally')
    const dry = await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-b', '--dry', '--verbose', 'tsconfig.build.json'], { cwd: REPO_ROOT })
    t.match(dry.stdout, /is up to date/, 'with unchanged sources the build is up to date: npm start compiles nothing')
    t.notMatch(dry.stdout, /would build/)
    const installStarted = Date.now()
    const bin = await installGlobally(tarball, { prefix: join(work, 'prefix-tarball'), cwd: outside })
    t.comment(`npm install -g of the tarball took ${Date.now() - installStarted} ms`)
    const installed = { bin, outside }

    const { stdout } = await run(bin, ['--version'], { cwd: outside, env: commandEnv(join(work, 'home')) })
    t.equal(stdout.trim(), PACKAGE_VERSION, 'chart-img-mcp --version')

    // XDG_DATA_HOME set: the per-user directory is $XDG_DATA_HOME/chart-img-mcp.
    const xdg = join(work, 'xdg')
    const fileUrl = await chartOverStdio(t, installed, commandEnv(join(work, 'home'), { XDG_DATA_HOME: xdg }))
    const stored = fileURLToPath(fileUrl)
    t.ok(stored.startsWith(join(xdg, 'chart-img-mcp', 'charts')), `the chart lands in $XDG_DATA_HOME/chart-img-mcp (${stored})`)
    t.ok(statSync(stored).size > 0, 'and the file the URL names exists')
    t.ok(existsSync(join(xdg, 'chart-img-mcp', 'history.sqlite')), 'with its history beside it')
    t.notOk(existsSync(join(outside, 'data')), 'nothing is written to the working directory')

    await serveOverHttp(t, installed, commandEnv(join(work, 'home')))
  })

  t.test('from the repository folder', async (t) => {
    const bin = await installGlobally(REPO_ROOT, { prefix: join(work, 'prefix-folder'), cwd: outside })
    const installed = { bin, outside }
    const { stdout } = await run(bin, ['--version'], { cwd: outside, env: commandEnv(join(work, 'home')) })
    t.equal(stdout.trim(), PACKAGE_VERSION, 'chart-img-mcp --version')

    // No XDG_DATA_HOME: ~/.local/share/chart-img-mcp of the (temporary) home.
    const home = join(work, 'home')
    const stored = fileURLToPath(await chartOverStdio(t, installed, commandEnv(home)))
    t.ok(stored.startsWith(join(home, '.local', 'share', 'chart-img-mcp', 'charts')), `the chart lands in ~/.local/share/chart-img-mcp (${stored})`)
    t.ok(statSync(stored).size > 0, 'and the file the URL names exists')
    t.notOk(existsSync(join(outside, 'data')), 'nothing is written to the working directory')

    await serveOverHttp(t, installed, commandEnv(home))
  })
})
