/**
 * Starting the command as an operator does: a taken port stops it with one line naming the port and the variable
 * (issue 12: it used to exit seconds later with a bare "listen EADDRINUSE"); a `.env` in the working directory is
 * read, and variables already in the environment win over it; `.env.example` can be copied to `.env` as it is
 * (every value commented out, so it overrides nothing).
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
// Resolved here, so the child can run from a directory outside the repository.
const TSX = import.meta.resolve('tsx')

async function cli (cwd: string, env: Record<string, string>): Promise<{ code: number | null, stderr: string }> {
  const child = spawn(process.execPath, ['--import', TSX, CLI], { cwd, env: { PATH: process.env.PATH ?? '', RENDER_WORKERS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, stderr }
}

async function takenPort (t: Test): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.close() })
  return (server.address() as AddressInfo).port
}

t.test('a taken port: exit 1 with one line naming the port and PORT', async (t) => {
  const port = await takenPort(t)
  const { code, stderr } = await cli(t.testdir(), { PORT: String(port), DATA_DIR: t.testdir() })
  t.equal(code, 1)
  const lines = stderr.trim().split('\n')
  t.equal(lines.length, 1, `one line: ${stderr}`)
  t.match(lines[0], new RegExp(`port ${port} is already in use on 127\\.0\\.0\\.1.*set PORT`))
})

t.test('.env in the working directory is read; the environment wins over it', async (t) => {
  const dir = t.testdir({ '.env': 'PORT=eighty\nLOG_LEVEL=loud\n' })
  const bad = await cli(dir, { DATA_DIR: join(dir, 'data') })
  t.equal(bad.code, 1)
  t.match(bad.stderr, /PORT/, 'the .env value was read (and refused)')
  t.match(bad.stderr, /LOG_LEVEL/)

  const port = await takenPort(t)
  const { code, stderr } = await cli(dir, { PORT: String(port), LOG_LEVEL: 'info', DATA_DIR: join(dir, 'data') })
  t.equal(code, 1)
  t.match(stderr, new RegExp(`port ${port} is already in use`), 'PORT from the environment overrides PORT from .env')
})

t.test('.env.example copied to .env changes nothing', async (t) => {
  const example = readFileSync(fileURLToPath(new URL('../../.env.example', import.meta.url)), 'utf8')
  const active = example.split('\n').filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  t.same(active, [], 'every line is a comment or blank')
  t.ok(example.split('\n').filter((line) => /^# [A-Z_]+=/.test(line)).length >= 30, 'and every variable is still listed')

  const dir = t.testdir()
  writeFileSync(join(dir, '.env'), example)
  const port = await takenPort(t)
  const { stderr } = await cli(dir, { PORT: String(port), DATA_DIR: join(dir, 'data') })
  t.match(stderr, /already in use/, 'starts as with no .env at all')
})
