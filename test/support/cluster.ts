/**
 * Test helper: several instances of the real CLI (`src/cli.ts`, each a child process with its own DATA_DIR) sharing
 * one real redis-server, behind a real nginx running docker/nginx.conf (least_conn, no hashing). Issue 10 asks for
 * the instances on separate network namespaces: as root, each runs in its own `ip netns` joined to a bridge by a
 * veth pair (every instance on 10.x.y.N:3001, Redis and nginx in the root namespace), as separate machines on one
 * LAN would be. Where namespaces cannot be made (not root, no `ip`), or with CLUSTER_NETWORK=ports, every instance
 * runs on 127.0.0.1 and a port of its own. Everything is stopped, and every namespace and link deleted, in teardown.
 */
import { execFile } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startServerProcess, type ServerProcess } from '../../bench/reliability/server-process.js'
import { productionConfiguration, startNginxWith, UPSTREAM_HEADER, type NginxServer } from './nginx-server.js'
import { freePort, startRedis, type RedisServer } from './redis-server.js'
import { waitFor } from '../sse/wait.js'

const run = promisify(execFile)

/** Where the instances live: their own network namespaces, or ports of 127.0.0.1. */
export type ClusterNetwork = 'netns' | 'ports'

export interface ClusterOptions {
  /** Number of app instances. Default 3. */
  instances?: number
  /** Environment for every instance, over the cluster's own (REDIS_URL, DATA_DIR, HOST, PORT, PUBLIC_BASE_URL…). */
  env?: Record<string, string>
  /** Default: CLUSTER_NETWORK from the environment, else 'netns' when namespaces can be made, else 'ports'. */
  network?: ClusterNetwork
  /** nginx worker processes. Default 1 (tests); benchmarks give it the machine's cores, as `worker_processes auto`. */
  nginxWorkers?: number
}

export interface ClusterInstance {
  /** 'A', 'B', 'C'… in start order. */
  name: string
  /** Direct URL of the instance (bypassing nginx). */
  url: string
  /** `host:port` as nginx names it in `$upstream_addr`. */
  address: string
  dataDir: string
  /** Process id of the running instance (changes on restart). */
  readonly pid: number
  /** False once killed, until restarted. */
  readonly running: boolean
  /** Sends `signal` (default SIGKILL) and resolves when the process has exited. */
  kill: (signal?: NodeJS.Signals) => Promise<void>
  /** Starts the instance again at the same address with the same DATA_DIR and environment (after `kill`). */
  restart: () => Promise<void>
}

export interface Cluster {
  /** nginx: the one URL clients use. */
  url: string
  network: ClusterNetwork
  redis: RedisServer
  nginx: NginxServer
  instances: ClusterInstance[]
  /** The instance nginx passed a response's request to (from the test-only upstream header; the last one tried). */
  instanceOf: (headers: Headers | Record<string, string | string[] | undefined>) => ClusterInstance | undefined
  /** Stops everything (also done in teardown; safe to call twice). */
  close: () => Promise<void>
}

interface TestLike {
  testdir: () => string
  teardown: (fn: () => Promise<void>) => void
}

/** The port every instance listens on inside its own namespace (as in docker/compose.yaml). */
const NETNS_PORT = 3001

export async function startCluster (t: TestLike, options: ClusterOptions = {}): Promise<Cluster> {
  const count = options.instances ?? 3
  const dir = t.testdir()
  const cleanups: Array<() => Promise<void>> = []
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  }
  t.teardown(close)
  try {
    const wanted = options.network ?? (process.env.CLUSTER_NETWORK as ClusterNetwork | undefined)
    const lan = wanted === 'ports' ? null : await makeLan(count, cleanups, wanted === 'netns')
    const network: ClusterNetwork = lan === null ? 'ports' : 'netns'

    const redis = await startRedis({ teardown: (fn) => { cleanups.push(fn) } }, mkdir(dir, 'redis'), {
      bind: lan === null ? ['127.0.0.1'] : [lan.gateway, '127.0.0.1'],
      appendonly: true
    })
    const addresses = lan === null
      ? await Promise.all(Array.from({ length: count }, async () => `127.0.0.1:${await freePort()}`))
      : lan.hosts.map((host) => `${host}:${NETNS_PORT}`)
    const nginx = await startNginxWith({ teardown: (fn) => { cleanups.push(fn) } }, mkdir(dir, 'nginx'), (port) => productionConfiguration(join(dir, 'nginx'), port, addresses, options.nginxWorkers))

    const instances = await Promise.all(addresses.map(async (address, index) => {
      const [host, port] = address.split(':')
      const env = {
        REDIS_URL: redis.url,
        HOST: host,
        PORT: port,
        // Links in tool results point at nginx, as PUBLIC_BASE_URL does in docker/compose.yaml.
        PUBLIC_BASE_URL: nginx.origin,
        // Direct requests name the instance's own address as Host.
        ALLOWED_HOSTS: addresses.map((a) => a.split(':')[0]).join(','),
        RENDER_WORKERS: '1',
        ...options.env
      }
      return await startInstance(String.fromCharCode(65 + index), address, mkdir(dir, `data-${index}`), env, lan?.prefix(index), cleanups)
    }))
    const byAddress = new Map(instances.map((instance) => [instance.address, instance]))
    return {
      url: nginx.origin,
      network,
      redis,
      nginx,
      instances,
      instanceOf: (headers) => {
        // "a:p" or, after nginx tried several, "a:p, b:q" (", " between tries, " : " across internal redirects).
        const value = headers instanceof Headers ? headers.get(UPSTREAM_HEADER) : headers[UPSTREAM_HEADER]
        return byAddress.get(String(value ?? '').split(/,\s*|\s+:\s+/).pop()?.trim() ?? '')
      },
      close
    }
  } catch (error) {
    await close()
    throw error
  }
}

function mkdir (dir: string, name: string): string {
  const path = join(dir, name)
  mkdirSync(path, { recursive: true })
  return path
}

async function startInstance (name: string, address: string, dataDir: string, env: Record<string, string>, prefix: string[] | undefined, cleanups: Array<() => Promise<void>>): Promise<ClusterInstance> {
  let server: ServerProcess | undefined
  const start = async (): Promise<void> => {
    server = await startServerProcess(dataDir, env, { prefix })
    // Render workers warm up in the background: an instance counts as started once its health says ok.
    await waitFor(`instance ${name} to be healthy`, async () => {
      const health: { status?: string } = await fetch(`http://${address}/mcp/health`).then(async (r) => await r.json() as { status?: string }, () => ({}))
      return health.status === 'ok' ? true : undefined
    }, 180_000)
  }
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const current = server
    if (current === undefined || current.child.exitCode !== null || current.child.signalCode !== null) return
    current.child.kill(signal)
    await current.exited
  }
  cleanups.push(async () => { await kill('SIGKILL') })
  await start()
  return {
    name,
    url: `http://${address}`,
    address,
    dataDir,
    get pid () { return server?.child.pid ?? -1 },
    get running () { return server !== undefined && server.child.exitCode === null && server.child.signalCode === null },
    kill,
    restart: async () => {
      await kill('SIGKILL')
      await start()
    }
  }
}

interface Lan {
  /** The bridge's address in the root namespace (Redis listens there). */
  gateway: string
  /** One address per instance, each in its own namespace. */
  hosts: string[]
  /** The command prefix that runs a program in instance `index`'s namespace. */
  prefix: (index: number) => string[]
}

/**
 * A bridge in the root namespace (10.a.b.1/24) and one namespace per instance joined to it by a veth pair
 * (10.a.b.2, .3, …), with names and subnet random per cluster so parallel test files do not collide. Null when it
 * cannot be made and `required` is false.
 */
async function makeLan (count: number, cleanups: Array<() => Promise<void>>, required: boolean): Promise<Lan | null> {
  const id = randomInt(0x100000).toString(16).padStart(5, '0')
  const subnet = `10.${200 + randomInt(50)}.${randomInt(256)}`
  const bridge = `cmb${id}`
  const namespaces = Array.from({ length: count }, (_, i) => `chart-img-mcp-${id}-${i}`)
  const ip = async (...args: string[]): Promise<void> => { await run('ip', args) }
  try {
    if (process.getuid?.() !== 0) throw new Error('network namespaces need root')
    await ip('link', 'add', bridge, 'type', 'bridge')
    cleanups.push(async () => { await ip('link', 'del', bridge) })
    await ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge)
    await ip('link', 'set', bridge, 'up')
    for (const [i, namespace] of namespaces.entries()) {
      await ip('netns', 'add', namespace)
      // Deleting the namespace deletes its end of the veth pair, and with it the pair.
      cleanups.push(async () => { await ip('netns', 'del', namespace) })
      const outside = `cmh${id}${i}`
      const inside = `cmn${id}${i}`
      await ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside)
      await ip('link', 'set', outside, 'master', bridge)
      await ip('link', 'set', outside, 'up')
      await ip('link', 'set', inside, 'netns', namespace)
      await ip('-n', namespace, 'addr', 'add', `${subnet}.${i + 2}/24`, 'dev', inside)
      await ip('-n', namespace, 'link', 'set', inside, 'up')
      await ip('-n', namespace, 'link', 'set', 'lo', 'up')
    }
  } catch (error) {
    // Undo what was made (the caller's cleanups would do it at teardown; do it now so ports mode starts clean).
    while (cleanups.length > 0) await cleanups.pop()?.().catch(() => {})
    if (required) throw error
    return null
  }
  return {
    gateway: `${subnet}.1`,
    hosts: namespaces.map((_, i) => `${subnet}.${i + 2}`),
    prefix: (index) => ['ip', 'netns', 'exec', namespaces[index]]
  }
}
