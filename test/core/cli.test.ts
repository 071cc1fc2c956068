/**
 * The command line as an operator meets it: bad configuration stops the process with one message naming the
 * variable (exit 1, nothing secret echoed); --version and --help answer; an unknown command exits 2.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

function cli (args: string[], env: Record<string, string> = {}): { status: number | null, stdout: string, stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000
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
