import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
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
  for (let attempt = 0; ; attempt++) {
    const port = await freePort()
    const conf = join(dir, `nginx-${port}.conf`)
    writeFileSync(conf, configuration(dir, port, appPort))
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

function configuration (dir: string, port: number, appPort: number): string {
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true })
  return `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
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
