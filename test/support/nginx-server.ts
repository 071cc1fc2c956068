import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './redis-server.js'

/** The production SSE location block, included as-is by the test configuration. */
export const SSE_LOCATION_SNIPPET = resolve(fileURLToPath(import.meta.url), '../../../docker/nginx-sse-location.conf')

export interface NginxServer {
  port: number
  origin: string
  stop: () => Promise<void>
}

/**
 * Runs Debian's nginx in the foreground with a configuration written to `dir`: one server on 127.0.0.1 and a free
 * port, `gzip on` for text/event-stream too (the worst case for buffering), the upstream `chart_img_mcp_events`
 * pointing at `appPort`, and docker/nginx-sse-location.conf included unchanged. Stopped in teardown.
 */
export async function startNginx (t: { teardown: (fn: () => Promise<void>) => void }, dir: string, appPort: number): Promise<NginxServer> {
  return await startNginxWith(t, dir, (port) => configuration(dir, port, appPort))
}

/** Runs nginx with the configuration `configure(port)` returns for a free `port`; stopped in teardown. */
export async function startNginxWith (t: { teardown: (fn: () => Promise<void>) => void }, dir: string, configure: (port: number) => string): Promise<NginxServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const conf = join(dir, `nginx-${port}.conf`)
    writeFileSync(conf, configure(port))
    const child = spawn('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', conf, '-e', 'stderr'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const stop = stopper(child)
    try {
      await waitForPort(child, port)
      t.teardown(stop)
      return { port, origin: `http://127.0.0.1:${port}`, stop }
    } catch (err) {
      await stop()
      if (attempt >= 2) throw err
    }
  }
}

/** nginx's temporary directories under `dir` (an unprivileged, throw-away prefix), as `http` block directives. */
function tempPaths (dir: string): string {
  const subs = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
  for (const sub of subs) mkdirSync(join(dir, sub), { recursive: true })
  return subs.map((sub) => `  ${sub}_temp_path ${dir}/${sub};`).join('\n')
}

function configuration (dir: string, port: number, appPort: number): string {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
${tempPaths(dir)}
  gzip on;
  gzip_min_length 0;
  gzip_types text/event-stream application/json text/plain;
  upstream chart_img_mcp_events {
    server 127.0.0.1:${appPort};
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${port};
    include ${SSE_LOCATION_SNIPPET};
  }
}
`
}

function stopper (child: ChildProcess): () => Promise<void> {
  const exited = once(child, 'exit').then(() => {})
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM') // nginx: fast shutdown
    await exited
  }
}

async function waitForPort (child: ChildProcess, port: number): Promise<void> {
  let output = ''
  child.stderr?.on('data', (chunk) => { output += String(chunk) })
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited (${child.exitCode}): ${output}`)
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => { socket.destroy(); resolve(true) })
      socket.once('error', () => resolve(false))
    })
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx did not listen on ${port}: ${output}`)
}

/** The production file: docker/nginx.conf, as deployed. */
export const PRODUCTION_CONF = resolve(fileURLToPath(import.meta.url), '../../../docker/nginx.conf')

/** Response header the test configuration adds: the `host:port` of the instance nginx passed the request to. */
export const UPSTREAM_HEADER = 'x-test-upstream'

/**
 * docker/nginx.conf turned into a runnable test configuration with as few edits as possible, each checked (a
 * production change that breaks an edit fails here rather than testing something else): foreground, one process
 * unless `workers` > 1,
 * pid and temporary files under `dir`, `listen` on 127.0.0.1:`port`, the SSE snippet from docker/, each upstream's
 * `server appN:3001;` lines replaced by `upstreams`, and one added header naming the instance that answered.
 */
export function productionConfiguration (dir: string, port: number, upstreams: string[], workers = 1): string {
  const edits: Array<[RegExp, string]> = [
    // One process by default (stopped with the child); `workers` > 1 keeps the master, as production runs it.
    [/^worker_processes .*;$/m, workers === 1 ? 'daemon off;\nmaster_process off;\nworker_processes 1;' : `daemon off;\nworker_processes ${workers};`],
    [/^pid .*;$/m, `pid ${dir}/nginx.pid;`],
    [/^error_log .*;$/m, 'error_log stderr warn;'],
    [/^ {4}access_log .*;$/m, '    access_log off;'],
    [/^http \{$/m, `http {\n${tempPaths(dir)}\n    add_header ${UPSTREAM_HEADER} $upstream_addr always;`],
    [/^ {8}listen 80;$/m, `        listen 127.0.0.1:${port};`],
    [/include \/etc\/nginx\/snippets\/chart-img-mcp-sse-location\.conf;/, `include ${SSE_LOCATION_SNIPPET};`],
    [/(?:^ {8}server app\d+:3001;\n)+/gm, upstreams.map((address) => `        server ${address};\n`).join('')]
  ]
  let text = readFileSync(PRODUCTION_CONF, 'utf8')
  for (const [pattern, replacement] of edits) {
    if (!pattern.test(text)) throw new Error(`docker/nginx.conf no longer has ${String(pattern)}: update productionConfiguration`)
    pattern.lastIndex = 0
    text = text.replace(pattern, replacement)
  }
  return text
}
