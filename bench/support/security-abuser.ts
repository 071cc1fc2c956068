/**
 * The abusive client of bench/security-burst.ts, in its own process (its work must not share the measuring process's
 * event loop). Replays the scripted burst at once: TOOLS_LIST tools/list calls, INITIALIZE initialize calls
 * never DELETEd, and BAD_TOKENS wrong bearer tokens from 127.0.0.2 (another address, as an attacker would be), each
 * with CONCURRENCY requests in flight; with DURATION_MS, each stream keeps going (past its count) until that much
 * time has passed, so the measuring side can sample through a long flood. PACED=1 sends at the rates the issue
 * measured for its script (3,000 tools/list in 1.8 s, 2,000 wrong tokens in 0.7 s, 1,000 initialize in 2.2 s)
 * instead of as fast as the server answers. Prints `started`, then at the end one JSON line of status counts.
 *
 * Under bench/security-burst.ts (an IPC channel), the burst comes in windows: 'pause' stops sending new requests (those
 * in flight finish; a paced schedule moves on by the time paused), 'resume' goes on, 'stop' ends every stream.
 */
import { Agent, request } from 'node:http'

const base = new URL(process.env.URL ?? '')
const token = process.env.TOKEN ?? ''
const concurrency = Number(process.env.CONCURRENCY ?? '10')
const until = Date.now() + Number(process.env.DURATION_MS ?? '0')
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'abuser', version: '1' } } })

async function call (agent: Agent, method: string, path: string, headers: Record<string, string>, body?: string): Promise<number> {
  return await new Promise((resolve) => {
    const req = request({ agent, host: base.hostname, port: base.port, method, path, headers }, (res) => {
      res.resume()
      res.on('end', () => { resolve(res.statusCode ?? 0) })
    })
    req.on('error', () => { resolve(0) })
    req.end(body)
  })
}

const paced = process.env.PACED === '1'
let started = Date.now()
const state = { stopped: false }
/** Resolves when the burst may go on; replaced by a pending one while paused. */
let running: Promise<void> = Promise.resolve()
let resume = (): void => {}
let pausedAt = 0
process.on('message', (command) => {
  if (command === 'pause' && pausedAt === 0) {
    pausedAt = Date.now()
    running = new Promise((resolve) => { resume = resolve })
  } else if (command === 'resume' && pausedAt !== 0) {
    started += Date.now() - pausedAt
    pausedAt = 0
    resume()
  } else if (command === 'stop') {
    state.stopped = true
    resume()
  }
})

async function run (count: number, perSecond: number, agent: Agent, send: (agent: Agent, i: number) => Promise<number>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!state.stopped && (next < count || Date.now() < until)) {
      await running
      if (state.stopped) break
      // Paced: request n goes out no earlier than n / perSecond after the start (open loop, as a script would).
      const due = started + (next * 1000) / perSecond
      if (paced && due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()))
      const status = await send(agent, next++)
      counts[status] = (counts[status] ?? 0) + 1
    }
  }))
  return counts
}

// One agent per kind: with a shared pool, refusals held by the server on one kind would starve the others' sockets.
const listing = new Agent({ keepAlive: true, maxSockets: concurrency })
const initializing = new Agent({ keepAlive: true, maxSockets: concurrency })
const elsewhere = new Agent({ keepAlive: true, maxSockets: concurrency, localAddress: '127.0.0.2' } as ConstructorParameters<typeof Agent>[0])
// The measuring side waits for this line before its first window.
console.log('started')
const [toolsList, initializeCalls, badTokens] = await Promise.all([
  run(Number(process.env.TOOLS_LIST ?? '3000'), 3000 / 1.8, listing, async (agent) => await call(agent, 'GET', '/mcp/tools', { authorization: `Bearer ${token}` })),
  run(Number(process.env.INITIALIZE ?? '1000'), 1000 / 2.2, initializing, async (agent) => await call(agent, 'POST', '/mcp', { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, initialize)),
  run(Number(process.env.BAD_TOKENS ?? '2000'), 2000 / 0.7, elsewhere, async (agent, i) => await call(agent, 'GET', '/mcp/tools', { authorization: `Bearer wrong-guess-${i}` }))
])
console.log(JSON.stringify({ ms: Date.now() - started, toolsList, initialize: initializeCalls, badTokens }))
listing.destroy()
initializing.destroy()
elsewhere.destroy()
process.disconnect?.()
