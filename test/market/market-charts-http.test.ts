/**
 * Provider-backed charts the way a user gets them: generate_chart over HTTP against the real app configured with a
 * fake Binance/Coinbase server, progress over the seed SSE stream (EventSource), and the local engine's result notes
 * when the provider is gone.
 */
import t from 'tap'
import { join } from 'node:path'
import { EventSource } from 'eventsource'
import type { RenderResult, RenderStage } from '../../src/chart/engine.js'
import { createLocalEngine } from '../../src/engines/local/local-engine.js'
import { callTool, startApp } from '../support/app.js'
import { silentLogger } from '../support/logger.js'
import { chartRequest, pngSize } from '../render/helpers.js'
import { waitFor } from '../sse/wait.js'
import { providersAt, startFakeProviders } from './providers/fake-providers.js'

interface Progress { type: string, message: string, data: { status: string } }

t.test('generate_chart BINANCE:BTCUSDT over HTTP: progress names the fetch, the second chart makes no provider call', async (t) => {
  const fake = await startFakeProviders(() => Date.now())
  t.teardown(fake.close)
  const { url } = await startApp(t, { BINANCE_ENABLED: true, BINANCE_BASE_URL: fake.url, COINBASE_ENABLED: true, COINBASE_BASE_URL: fake.url })
  const received: Progress[] = []
  const source = new EventSource(`${url}/sse?clientId=market-1`)
  t.teardown(() => { source.close() })
  // Seed streams carry chart_progress as JSON-RPC notifications (params is the event).
  source.onmessage = (event) => {
    const message = JSON.parse(event.data) as Progress & { params?: Progress }
    received.push(message.params ?? message)
  }
  await waitFor('stream connected', () => received.length > 0)

  const first = await callTool(url, 'generate_chart', { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' }, { 'x-client-id': 'market-1' })
  const content = first.body.result.content as Array<{ type: string, text?: string, data?: string }>
  t.match(content[0].text, /^Chart ready: BINANCE:BTCUSDT 1h candle/)
  t.same(pngSize(Buffer.from(content[1].data ?? '', 'base64')), { width: 800, height: 600 })
  await waitFor('completed event', () => received.some((e) => e.type === 'chart_progress' && e.data.status === 'completed'))
  const statuses = received.filter((e) => e.type === 'chart_progress').map((e) => `${e.data.status}: ${e.message}`)
  t.match(statuses, [/^started/, /^requesting: Fetching data from Binance: BINANCE:BTCUSDT 1h bars/, /^rendering/, /^completed/])
  t.ok(fake.callsTo('/api/v3/klines').length >= 1)

  const calls = fake.calls.length
  const second = await callTool(url, 'generate_chart', { symbol: 'BINANCE:BTCUSDT', interval: '1h', range: '5D' }, { 'x-client-id': 'market-1' })
  t.match(second.body.result.content[0].text, /\(cached\)/)
  t.equal(fake.calls.length, calls, 'second identical chart: 0 provider calls')

  const symbols = await callTool(url, 'get_available_symbols', { query: 'eth' })
  const listing = JSON.parse(symbols.body.result.content[0].text as string) as { symbols: Array<{ symbol: string, source: string, horizon?: string }> }
  t.match(listing.symbols, [{ symbol: 'BINANCE:ETHUSDT', source: 'Binance', horizon: /Binance/ }, { symbol: 'COINBASE:ETHUSD', source: 'Coinbase' }])

  await fake.close()
  const offline = await callTool(url, 'generate_chart', { symbol: 'COINBASE:ETHUSD', interval: '15m', range: '1D' })
  t.equal(offline.body.result.isError, true)
  t.match(offline.body.result.content[0].text, /^No data for COINBASE:ETHUSD 15m: Coinbase could not be reached \(ECONNREFUSED\), and nothing is cached/)
})

t.test('the local engine renders provider data and says the data\'s age when the provider is gone', async (t) => {
  const clock = { now: Date.UTC(2026, 10, 27, 15, 20) }
  const fake = await startFakeProviders(() => clock.now)
  t.teardown(fake.close)
  const engine = createLocalEngine({ workers: 1, queueLimit: 4, cacheEntries: 8, providers: providersAt(fake.url), marketCacheFile: join(t.testdir(), 'm.sqlite'), now: () => clock.now, log: silentLogger })
  t.teardown(() => engine.close())
  const render = async (args: Record<string, unknown>): Promise<{ result: Extract<RenderResult, { kind: 'image' }>, stages: RenderStage[] }> => {
    const stages: RenderStage[] = []
    const result = await engine.render(chartRequest(args), { signal: new AbortController().signal, onStage: (s) => stages.push(s) })
    if (result.kind !== 'image') throw new Error('expected an image')
    return { result, stages }
  }
  for (const args of [{ symbol: 'COINBASE:ETHUSD', interval: '15m', range: '1D' }, { symbol: 'NYSE:IBM', interval: '1D', range: '3M' }]) {
    const { result, stages } = await render(args)
    t.same(pngSize(result.data), { width: 800, height: 600 }, `${args.symbol} drawn`)
    t.match(stages.map((s) => s.status), ['requesting', 'rendering'])
  }
  await fake.close()
  clock.now += 3 * 3_600_000
  const { result } = await render({ symbol: 'COINBASE:ETHUSD', interval: '15m', range: '1D' })
  t.match(result.notes, [/^Coinbase could not be reached \(ECONNREFUSED\)\. Drawn from cached Coinbase bars fetched 3 h ago/])
})
