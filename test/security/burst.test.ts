/**
 * The scripted burst, small, with the facts that do not depend on timing: while alice floods tools/list and
 * initialize (never DELETEd) and someone sends wrong tokens from another address (127.0.0.2), alice gets 429 with
 * Retry-After (rate limit, MCP session quota), the wrong tokens are locked out (401, then 429), and bob, another
 * principal sending through the burst from the flooded address, gets 200 every time. The burst is the benchmark's own
 * abuser (bench/support/security-abuser.ts, its own process), kept flooding until bob is done; bob's latency during
 * it is measured in bench/security-burst.ts, not here.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../sse/wait.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer, startIssuer, startSecureApp } from './support.js'

const ABUSER = fileURLToPath(new URL('../../bench/support/security-abuser.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const RATE_LIMIT_MAX = 40
const SESSIONS = 3
const AUTH_FAILURES_MAX = 4
const BOB_REQUESTS = 20
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const INITIALIZE = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'burst', version: '1' } } })

type Counts = Record<string, number>

/** A GET from 127.0.0.2 (the wrong-token sender's address); fetch cannot choose its source address. */
async function getFromOtherAddress (url: string, path: string, headers: Record<string, string>): Promise<{ status: number, retryAfter: string | undefined }> {
  const target = new URL(url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path, headers, localAddress: '127.0.0.2' }, (res) => {
      res.resume()
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined }) })
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('scripted burst: alice and the wrong tokens get 429 with Retry-After, bob gets 200 throughout', async (t) => {
  const issuer = await startIssuer(t)
  const { url } = await startSecureApp(t, issuer, {
    RATE_LIMIT_MAX,
    RATE_LIMIT_WINDOW_MS: 600_000,
    MCP_SESSIONS_PER_PRINCIPAL: SESSIONS,
    AUTH_FAILURES_MAX,
    AUTH_LOCKOUT_MS: 600_000
  })

  const abuser = spawn(process.execPath, ['--import', TSX, ABUSER], {
    env: { ...process.env, URL: url, TOKEN: ALICE_TOKEN, CONCURRENCY: '4', DURATION_MS: '3600000', TOOLS_LIST: '0', INITIALIZE: '0', BAD_TOKENS: '0' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc']
  })
  t.teardown(() => { if (abuser.exitCode === null) abuser.kill() })
  let report = ''
  abuser.stdout?.on('data', (chunk: Buffer) => { report += chunk.toString() })
  const exited = once(abuser, 'exit')
  await new Promise<void>((resolve) => { abuser.stdout?.on('data', () => { if (report.startsWith('started')) resolve() }) })

  // The burst has spent alice's budget (positive signal): her own next request is refused, with a Retry-After.
  const aliceList = await waitFor('alice\'s burst to reach her rate limit', async () => {
    const response = await fetch(`${url}/mcp/tools`, { headers: bearer(ALICE_TOKEN) })
    await response.arrayBuffer()
    return response.status === 429 ? response : undefined
  })
  t.ok(Number(aliceList.headers.get('retry-after')) > 0, 'alice\'s tools/list: 429 with Retry-After')

  // Bob, from the flooded address, while the burst goes on (it floods until told to stop).
  const bob: Counts = {}
  for (let i = 0; i < BOB_REQUESTS; i++) {
    const response = await fetch(`${url}/mcp/tools`, { headers: bearer(BOB_TOKEN) })
    await response.arrayBuffer()
    bob[response.status] = (bob[response.status] ?? 0) + 1
  }

  // Still within the burst: the other kinds of abuse are refused with a Retry-After too.
  const aliceInit = await fetch(`${url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(ALICE_TOKEN) }, body: INITIALIZE })
  t.equal(aliceInit.status, 429, 'alice\'s initialize: refused')
  t.ok(Number(aliceInit.headers.get('retry-after')) > 0, 'with Retry-After')
  const guess = await getFromOtherAddress(url, '/mcp/tools', bearer('one-more-guess'))
  t.equal(guess.status, 429, 'wrong tokens from 127.0.0.2: locked out')
  t.ok(Number(guess.retryAfter) > 0, 'with Retry-After')

  abuser.send('stop')
  await exited
  const burst = JSON.parse(report.slice(report.indexOf('{'))) as { toolsList: Counts, initialize: Counts, badTokens: Counts }
  t.same(bob, { 200: BOB_REQUESTS }, 'bob: every request answered 200 during the burst')
  t.same(Object.keys(burst.toolsList).sort(), ['200', '429'], 'alice\'s tools/list: some served, the rest 429')
  t.ok(burst.toolsList[200] <= RATE_LIMIT_MAX, 'no more served than the limit')
  t.ok(burst.toolsList[429] > 0, 'and refused past it')
  t.ok(Object.keys(burst.initialize).every((status) => status === '200' || status === '429'), 'alice\'s initialize: 200 or 429, never an error')
  t.ok((burst.initialize[200] ?? 0) <= SESSIONS, 'no more sessions than her quota')
  t.ok(burst.initialize[429] > 0, 'the rest refused')
  t.same(burst.badTokens, { 401: AUTH_FAILURES_MAX - 1, 429: burst.badTokens[429] }, 'wrong tokens: 401 until the lockout, then only 429')
  t.ok(burst.badTokens[429] > 0, 'the lockout refused the rest')
})
