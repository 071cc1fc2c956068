/**
 * The command line as an operator meets it: bad configuration stops the process with one message naming the
 * variable (exit 1, nothing secret echoed); --version and --help answer; an unknown command exits 2.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

function cli (args: string[], env: Record<string, string> = {}): { status: number | null, stdout: string, stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    // An outer bound only: a start-up that hangs (DATA_DIR=/proc/x once spun forever) fails here, a slow machine does not.
    timeout: 120_000
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

t.test('bad configuration: exit 1, the variable named, the value not echoed', async (t) => {
  const { status, stderr, stdout } = cli([], { PORT: 'eighty', AUTH_TOKEN: 'tiny-secret' })
  t.equal(status, 1)
  t.match(stderr, /Invalid configuration/)
  t.match(stderr, /PORT/)
  t.match(stderr, /AUTH_TOKEN: must be at least 16 characters/)
  t.match(stderr, /\.env\.example/)
  t.notMatch(stderr, /tiny-secret/)
  t.notMatch(stderr, /at .*\.(ts|js):\d+/, 'no stack trace')
  t.equal(stdout, '')
})

t.test('--version, --help and an unknown command', async (t) => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  t.equal(cli(['--version']).stdout.trim(), version)
  const help = cli(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /chart-img-mcp stdio/)
  const unknown = cli(['paint'])
  t.equal(unknown.status, 2)
  t.match(unknown.stderr, /Unknown command: paint/)
})

t.test('unusable DATA_DIR: exit 1 at once with DATA_DIR named (a virtual file system, a file in the way)', async (t) => {
  const proc = cli([], { DATA_DIR: '/proc/chart-img-mcp-test', PORT: '0' })
  t.equal(proc.status, 1, 'exits (recursive mkdir on /proc used to spin forever)')
  t.match(proc.stderr, /DATA_DIR=\/proc\/chart-img-mcp-test cannot be used: \/proc is on the kernel's proc file system/)
  t.notMatch(proc.stderr, /at .*\.(ts|js):\d+/, 'no stack trace')

  const file = join(t.testdir({ 'not-a-dir': 'x' }), 'not-a-dir')
  const blocked = cli([], { DATA_DIR: join(file, 'data'), PORT: '0' })
  t.equal(blocked.status, 1)
  t.match(blocked.stderr, /DATA_DIR=.*cannot be used: .*not a directory/)
})
