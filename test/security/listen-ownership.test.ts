/**
 * 2026-07-28 `subscriptions/listen` streams carry only their own principal's chart changes (issue 9, "Channels and
 * requests belong to their principal"; src/mcp/owned-event-bus.ts). Two principals (AUTH_TOKENS alice, bob) listen
 * with the SDK v2 client (`@modelcontextprotocol/client`, pinned to 2026-07-28), both naming alice's chart in
 * `resourceSubscriptions`: when alice's chart ends, alice's stream gets its update and the list change, bob's gets
 * neither. Bob's stream is read up to a notification of his own chart, published after alice's on the same bus, so
 * "bob never got alice's" is read from what arrived, not from a quiet wait. In open mode every stream gets every
 * change (seed 004's broadcast, as before).
 *
 * Alice's chart is held open by a fake Chart-IMG that never answers, and ends when alice goes away (cancelled →
 * failed), so both streams are listening before it ends, on any machine.
 */
import t, { type Test } from 'tap'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { chartRequestUri } from '../../src/mcp/resources.js'
import { startApp, type RunningApp } from '../support/app.js'
import { startFakeChartImg } from '../support/fake-chart-img.js'
import { waitFor } from '../sse/wait.js'
import type { Config } from '../../src/config.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer } from './support.js'

const MODERN = '2026-07-28'

interface Listener {
  client: Client
  /** Every change notification this client's listen stream delivered, in order: `list` or the updated URI. */
  seen: string[]
}

async function listenAs (t: Test, url: string, headers: Record<string, string>, resourceSubscriptions: string[]): Promise<Listener> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), { requestInit: { headers } })
  const client = new Client({ name: 'listen-ownership', version: '1.0.0' }, { versionNegotiation: { mode: { pin: MODERN } } })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  const seen: string[] = []
  client.setNotificationHandler('notifications/resources/list_changed', () => { seen.push('list') })
  client.setNotificationHandler('notifications/resources/updated', (notification) => { seen.push(notification.params.uri) })
  const subscription = await client.listen({ resourcesListChanged: true, resourceSubscriptions })
  t.same(subscription.honoredFilter, { resourcesListChanged: true, resourceSubscriptions }, 'the filter is honoured as asked')
  t.teardown(async () => { await subscription.close() })
  return { client, seen }
}

/** The app on a fake Chart-IMG whose next answer never comes; a chart request of `who` is held open until abort. */
async function startHeldChart (t: Test, overrides: Partial<Config>, headers: Record<string, string>): Promise<{ running: RunningApp, requestId: string, abort: () => Promise<void> }> {
  const fake = await startFakeChartImg()
  t.teardown(async () => { await fake.close() })
  const running = await startApp(t, { CHART_IMG_API_KEY: fake.apiKey, CHART_IMG_BASE_URL: fake.url, CHART_IMG_MAX_ATTEMPTS: 1, CHART_IMG_TIMEOUT_MS: 600_000, ...overrides })
  fake.script({ kind: 'hang' })
  const controller = new AbortController()
  const call = fetch(`${running.url}/mcp/tools/generate_chart`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ symbol: 'NASDAQ:AAPL', interval: '1D' }),
    signal: controller.signal
  }).catch((error: unknown) => error)
  const owner = overrides.AUTH_TOKENS === undefined ? null : 'alice'
  const record = await waitFor('the held chart to be accepted', async () => (await running.app.core.charts.recent(5, owner))[0])
  return {
    running,
    requestId: record.requestId,
    abort: async () => {
      controller.abort()
      await call
      await waitFor('the held chart to fail (cancelled)', async () => (await running.app.core.charts.status(record.requestId, owner))?.status === 'failed')
    }
  }
}

async function chartOf (client: Client): Promise<string> {
  const result = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'NASDAQ:MSFT', interval: '1D' } })
  const text = (result.content as Array<{ type: string, text?: string }>)[0]?.text ?? ''
  const requestId = /Request: (req_\S+)/.exec(text)?.[1]
  if (requestId === undefined) throw new Error(`no chart: ${text}`)
  return requestId
}

t.test('auth: bob\'s listen stream never carries alice\'s chart; alice\'s does', async (t) => {
  const tokens = [{ name: 'alice', token: ALICE_TOKEN }, { name: 'bob', token: BOB_TOKEN }]
  const { running, requestId, abort } = await startHeldChart(t, { AUTH_TOKENS: tokens }, bearer(ALICE_TOKEN))
  const aliceUri = chartRequestUri(requestId)
  const alice = await listenAs(t, running.url, bearer(ALICE_TOKEN), [aliceUri])
  // Bob names alice's chart (its id leaked to him, say): the filter alone would let its update through.
  const bob = await listenAs(t, running.url, bearer(BOB_TOKEN), [aliceUri])

  await abort()
  await waitFor('alice\'s stream to get her chart\'s update and the list change', () => alice.seen.includes(aliceUri) && alice.seen.includes('list'))
  t.same(alice.seen, [aliceUri, 'list'], 'alice: her chart\'s update, then the list change')

  // Bob's own chart, after alice's ended: its list change is the positive signal that his stream is up to date.
  await chartOf(bob.client)
  await waitFor('bob\'s stream to get his own chart\'s list change', () => bob.seen.includes('list'))
  t.same(bob.seen, ['list'], 'bob: only his own chart\'s list change, nothing of alice\'s')
})

t.test('open mode: every listen stream gets every chart change, as before', async (t) => {
  const { running, requestId, abort } = await startHeldChart(t, {}, {})
  const uri = chartRequestUri(requestId)
  const first = await listenAs(t, running.url, {}, [uri])
  const second = await listenAs(t, running.url, {}, [uri])
  await abort()
  await waitFor('both streams to get the chart\'s update and the list change', () => [first, second].every((l) => l.seen.length === 2))
  t.same(first.seen, [uri, 'list'])
  t.same(second.seen, [uri, 'list'])
})
