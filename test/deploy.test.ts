/**
 * Deployment files (docker/, .dockerignore) checked as far as this machine allows (no Docker engine here): the
 * Dockerfile's paths exist, the compiled app starts from the image's layout (/app/dist, /app/package.json,
 * /app/node_modules, /app/static) with the image's CMD, its HEALTHCHECK command passes against it and fails when it
 * is gone, SIGTERM ends it inside PM2's kill_timeout and systemd's TimeoutStopSec, the unit passes systemd-analyze.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { SHUTDOWN_HARD_LIMIT_MS } from '../src/server.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DOCKER = join(ROOT, 'docker')

interface Dockerfile {
  lines: string[]
  instruction: (name: string) => string[]
}

async function readDockerfile (): Promise<Dockerfile> {
  const text = await readFile(join(DOCKER, 'Dockerfile'), 'utf8')
  // Join continuation lines, drop comments.
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
  return { lines, instruction: (name) => lines.filter((line) => line.toUpperCase().startsWith(`${name} `)).map((line) => line.slice(name.length + 1).trim()) }
}

function execArray (value: string): string[] {
  const parsed = JSON.parse(value) as unknown
  if (!Array.isArray(parsed)) throw new Error(`not an exec-form array: ${value}`)
  return parsed as string[]
}

t.test('Dockerfile: build-context sources exist and are not docker-ignored; runtime settings as documented', async (t) => {
  const dockerfile = await readDockerfile()
  const ignored = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#'))
  for (const copy of dockerfile.instruction('COPY')) {
    if (copy.startsWith('--from=')) continue
    const sources = copy.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1)
    for (const source of sources) {
      t.ok(existsSync(join(ROOT, source)), `COPY source ${source} exists`)
      t.notOk(ignored.includes(source), `COPY source ${source} is not excluded by .dockerignore`)
    }
  }
  t.same(execArray(dockerfile.instruction('CMD')[0]), ['node', 'dist/src/cli.js'])
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.equal(pkg.bin['chart-img-mcp'], 'dist/src/cli.js', 'the CMD runs the package\'s own bin')
  const env = dockerfile.instruction('ENV').join(' ')
  t.match(env, /HOST=0\.0\.0\.0/)
  t.match(env, /DATA_DIR=\/data/)
  t.same(dockerfile.instruction('USER'), ['node'], 'runs as the unprivileged node user')
  // Node 20 reached end of life on 2026-04-30: both stages build on a supported LTS (CI tests 22 and 24).
  for (const from of dockerfile.instruction('FROM')) t.match(from, /^node:(22|24)-bookworm-slim\b/, `${from} is a supported Node LTS`)
})

t.test('the compiled app starts from the image layout, passes the HEALTHCHECK, and stops in time on SIGTERM', async (t) => {
  // /app of the image: dist/ (npm run build), package.json, node_modules/, static/.
  const dir = t.testdir() // once: each call empties the directory
  const app = join(dir, 'app')
  await mkdir(app)
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { cwd: ROOT, timeout: 180_000 })
    .then(() => ({ code: 0, output: '' }), (error: { code?: number, stdout?: string }) => ({ code: error.code ?? 1, output: error.stdout ?? '' }))
  t.equal(tsc.code, 0, `npm run build (tsc -p tsconfig.build.json) succeeds${tsc.output === '' ? '' : `:\n${tsc.output.slice(0, 2000)}`}`)
  t.ok(existsSync(join(app, 'dist/src/cli.js')), 'dist/src/cli.js is in the build output')
  await copyFile(join(ROOT, 'package.json'), join(app, 'package.json'))
  await symlink(join(ROOT, 'node_modules'), join(app, 'node_modules'), 'dir')
  await symlink(join(ROOT, 'static'), join(app, 'static'), 'dir')

  const version = await run(process.execPath, ['dist/src/cli.js', '--version'], { cwd: app, timeout: 120_000 })
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  t.equal(version.stdout.trim(), pkg.version)

  const dataDir = join(dir, 'data')
  const child = spawn(process.execPath, ['dist/src/cli.js'], {
    cwd: app,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, RENDER_WORKERS: '1', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<{ code: number | null, signal: string | null }>((resolve) => { child.once('exit', (code, signal) => { resolve({ code, signal }) }) })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let output = ''
  const port = await new Promise<number>((resolve, reject) => {
    // An outer bound for a server that never starts, not a timing check.
    const timer = setTimeout(() => { reject(new Error(`no "listening" line within 120 s:\n${output}`)) }, 120_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)
      if (match !== null) { clearTimeout(timer); resolve(Number(match[1])) }
    })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`exited before listening:\n${output}`)) })
    child.once('error', (error) => { clearTimeout(timer); reject(error) })
  })

  const page = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(page.status, 200, 'static/ resolves from dist/plugins/external in the image layout')
  t.match(await page.text(), /<title>Chat · chart-img-mcp<\/title>/, 'the chat page')
  const common = await fetch(`http://127.0.0.1:${port}/common.js`)
  t.equal(common.status, 200, 'with the script every page shares')
  await common.arrayBuffer()

  const dockerfile = await readDockerfile()
  const healthcheck = dockerfile.instruction('HEALTHCHECK')[0]
  const command = execArray(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))
  t.equal(command[0], 'node')
  const probe = async (): Promise<number> => await run(process.execPath, command.slice(1), { env: { PORT: String(port) }, timeout: 60_000 }).then(() => 0, (error: { code?: number }) => error.code ?? 1)
  t.equal(await probe(), 0, 'HEALTHCHECK passes against the running app')

  const started = Date.now()
  child.kill('SIGTERM')
  const { code } = await exited
  const took = Date.now() - started
  t.equal(code, 0, 'graceful exit on SIGTERM')
  t.ok(took < SHUTDOWN_HARD_LIMIT_MS, `stopped in ${took} ms (the process guarantees its hard limit)`)
  t.not(await probe(), 0, 'HEALTHCHECK fails once the app is gone')
})

t.test('PM2 ecosystem file: runs the compiled CLI and waits longer than the app\'s shutdown deadline', async (t) => {
  await run(process.execPath, ['--check', join(DOCKER, 'ecosystem.config.cjs')])
  const ecosystem = createRequire(import.meta.url)(join(DOCKER, 'ecosystem.config.cjs')) as { apps: Array<Record<string, unknown>> }
  const [app] = ecosystem.apps
  t.equal(app.script, 'dist/src/cli.js')
  t.equal(app.cwd, ROOT.replace(/\/$/, ''))
  t.ok((app.kill_timeout as number) > SHUTDOWN_HARD_LIMIT_MS, 'PM2 waits longer than the drain deadline plus the close grace')
  t.match(app.env, { NODE_ENV: 'production' })
})

t.test('systemd unit: ExecStart, restart policy, hardening, stop timeout', async (t) => {
  const unit = await readFile(join(DOCKER, 'chart-img-mcp.service'), 'utf8')
  t.match(unit, /^ExecStart=\/usr\/bin\/env DATA_DIR=%S\/(\S+) \/usr\/bin\/node \/\S+\/dist\/src\/cli\.js serve$/m)
  t.match(unit, /^Restart=on-failure$/m)
  t.match(unit, /^EnvironmentFile=\S+$/m)
  for (const option of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes']) t.match(unit, new RegExp(`^${option}$`, 'm'))
  const dataDir = /^ExecStart=\S+ DATA_DIR=%S\/(\S+) /m.exec(unit)?.[1]
  t.ok(dataDir !== undefined && unit.includes(`StateDirectory=${dataDir}\n`), 'DATA_DIR is the state directory, the one path ProtectSystem=strict leaves writable')
  t.notMatch(unit, /^Environment=DATA_DIR=/m, 'not an Environment= line, which the EnvironmentFile would override')
  const stop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1]) * 1000
  t.ok(stop > SHUTDOWN_HARD_LIMIT_MS, 'systemd waits longer than the app\'s own shutdown hard limit')
})

/** The unit's `Key=value` lines of one key, in order. */
function unitValues (unit: string, key: string): string[] {
  return unit.split('\n').filter((line) => line.startsWith(`${key}=`)).map((line) => line.slice(key.length + 1))
}

/** `KEY=value` lines of an environment file (systemd's format: comments and blank lines ignored). */
function environmentFile (text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

t.test('systemd unit run as systemd would: an EnvironmentFile with DATA_DIR=./data cannot move the data out of the state directory', async (t) => {
  const unit = await readFile(join(DOCKER, 'chart-img-mcp.service'), 'utf8')
  const dir = t.testdir({ state: {}, work: {} })
  // The install steps copy .env.example; an operator who uncomments DATA_DIR (what the old example had active)
  // and sets a free port.
  const example = await readFile(join(ROOT, '.env.example'), 'utf8')
  t.same(environmentFile(example), {}, '.env.example sets nothing as shipped')
  const envFile = environmentFile(`${example}\nDATA_DIR=./data\nPORT=0\nRENDER_WORKERS=1\n`)
  // systemd.exec(5): EnvironmentFile= overrides Environment=; `env NAME=value` on ExecStart overrides both.
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' }
  for (const assignment of unitValues(unit, 'Environment')) env[assignment.slice(0, assignment.indexOf('='))] = assignment.slice(assignment.indexOf('=') + 1)
  Object.assign(env, envFile)
  const command = (unitValues(unit, 'ExecStart')[0] ?? '').replaceAll('%S', join(dir, 'state')).split(' ')
  t.equal(command[0], '/usr/bin/env')
  let index = 1
  for (; command[index].includes('='); index++) env[command[index].slice(0, command[index].indexOf('='))] = command[index].slice(command[index].indexOf('=') + 1)
  const args = command.slice(index + 2) // after node and the script: the subcommand
  const stateDir = join(dir, 'state', unitValues(unit, 'StateDirectory')[0])
  t.equal(env.DATA_DIR, stateDir)

  // The checkout's sources through tsx stand in for /opt/chart-img-mcp/dist; the working directory is the unit's stand-in.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli.ts'), ...args], { cwd: join(dir, 'work'), env, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let output = ''
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = output.split('\n').find((l) => l.includes('chart-img-mcp ready'))
      if (line !== undefined) resolve(JSON.parse(line) as Record<string, unknown>)
    })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.once('exit', () => { reject(new Error(`exited before listening:\n${output}`)) })
  })
  t.equal(ready.dataDir, stateDir, 'the server keeps its data in the state directory')
  t.ok(existsSync(join(stateDir, 'history.sqlite')), 'and writes its history there')
  t.notOk(existsSync(join(dir, 'work', 'data')), 'not in the working directory (read-only under ProtectSystem=strict)')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0)
})

const SYSTEMD_ANALYZE = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((path) => existsSync(path))
t.test('systemd unit: systemd-analyze verify', { skip: SYSTEMD_ANALYZE === undefined ? 'systemd-analyze is not installed' : false }, async (t) => {
  const verified = await run(SYSTEMD_ANALYZE as string, ['verify', join(DOCKER, 'chart-img-mcp.service')])
    .then((r) => ({ code: 0, stderr: r.stderr }), (error: { code?: number, stderr?: string }) => ({ code: error.code ?? 1, stderr: error.stderr ?? '' }))
  t.equal(verified.code, 0)
  t.equal(verified.stderr.split('\n').filter((line) => line.includes('chart-img-mcp.service')).join('\n'), '', 'no warnings about the unit')
})

// Debian's python3-yaml parses it; no YAML parser is a declared dependency of this project.
const HAS_PYYAML = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import yaml']).status === 0
t.test('compose.yaml: three app instances, redis with persistence, nginx, REDIS_URL, healthchecks, no shared volume', { skip: HAS_PYYAML ? false : 'python3-yaml is not available to parse compose.yaml' }, async (t) => {
  const { stdout } = await run('/usr/bin/python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(DOCKER, 'compose.yaml')])
  const compose = JSON.parse(stdout) as { services: Record<string, { healthcheck?: unknown, environment?: Record<string, string>, volumes?: string[], build?: { dockerfile: string } }> }
  t.same(Object.keys(compose.services).sort(), ['app1', 'app2', 'app3', 'nginx', 'redis'])
  for (const name of ['app1', 'app2', 'app3']) {
    const service = compose.services[name]
    t.equal(service.environment?.REDIS_URL, 'redis://redis:6379', `${name} shares its state through redis`)
    t.equal(service.build?.dockerfile, 'docker/Dockerfile')
    t.same(service.volumes ?? [], [], `${name} mounts no volume: nothing is shared through the file system`)
  }
  const redisCommand = (compose.services.redis as { command?: string[] }).command ?? []
  t.equal(redisCommand[redisCommand.indexOf('--appendonly') + 1], 'yes', 'Redis persists (append-only file)')
  const nginxConf = await readFile(join(DOCKER, 'nginx.conf'), 'utf8')
  t.notMatch(nginxConf.replace(/#.*$/gm, ''), /\b(hash|ip_hash|sticky)\b/, 'nginx pins no client to an instance')
  for (const name of ['app1', 'app2', 'app3']) t.equal(nginxConf.split(`server ${name}:3001;`).length - 1, 2, `${name} is in both upstreams`)
  for (const [name, service] of Object.entries(compose.services)) t.ok(service.healthcheck, `${name} has a healthcheck`)
  for (const volume of compose.services.nginx.volumes ?? []) {
    const source = volume.split(':')[0]
    t.ok(existsSync(join(DOCKER, source)), `nginx mounts ${source}, which exists in docker/`)
  }
})
