/**
 * The five product tools through the registry alone (no HTTP, no MCP SDK): progress of a chart reaches the caller's
 * ctx.progress, strictly increasing, and nobody else's; failures are isError results with actionable text.
 */
import t from 'tap'
import { testConfig } from '../../src/config.js'
import { createMemoryBus } from '../../src/events/memory-bus.js'
import type { HealthReport } from '../../src/health.js'
import { createToolRegistry, TOOL_NAMES, type ElicitationRequest, type ElicitationResult, type ProgressUpdate, type ToolContext } from '../../src/tools/index.js'
import { createFakeCharts } from './fake-charts.js'
import { silentLogger } from '../support/logger.js'

function setup (t: { teardown: (fn: () => Promise<void>) => void }, health: HealthReport['status'] = 'ok'): { registry: ReturnType<typeof createToolRegistry>, charts: ReturnType<typeof createFakeCharts> } {
  const bus = createMemoryBus({ log: silentLogger })
  t.teardown(async () => { await bus.close() })
  const charts = createFakeCharts(bus)
  charts.stageMs = 1
  const report: HealthReport = { status: health, timestamp: new Date().toISOString(), clientCount: 0, chartServiceConfigured: true, engine: 'local', engineDetail: 'fake', uptime: 1, version: '1.0.0' }
  return { registry: createToolRegistry({ config: testConfig(), charts, bus, health: async () => report }), charts }
}

function context (clientId: string | null, progress: ProgressUpdate[] = []): ToolContext {
  return { signal: new AbortController().signal, caller: { principal: null, clientId }, progress: (update) => { progress.push(update) }, log: silentLogger }
}

t.test('the five tools, in their documented order', async (t) => {
  const { registry } = setup(t)
  t.same(registry.list().map((tool) => tool.name), [...TOOL_NAMES])
  t.same(registry.describe().find((tool) => tool.name === 'generate_chart')?.annotations, { readOnlyHint: false, idempotentHint: true, openWorldHint: false })
})

t.test('generate_chart: image as raw base64, summary text, progress only to its own caller', async (t) => {
  const { registry } = setup(t)
  const mine: ProgressUpdate[] = []
  const other: ProgressUpdate[] = []
  const [result] = await Promise.all([
    registry.call('generate_chart', { symbol: 'sp:spx', chartType: 'candlestick' }, context('me', mine)),
    registry.call('generate_chart', { symbol: 'NASDAQ:AAPL' }, context('other', other))
  ])
  t.notOk(result.isError)
  const [summary, image] = result.content
  t.match(summary, { type: 'text', text: /^Chart ready: SP:SPX 1D candle, 800x600 PNG, local engine, \d+ ms\.\nRequest: req_\S+\nImage URL: http:\/\/127\.0\.0\.1\/charts\/req_\S+\.png$/ })
  t.match(image, { type: 'image', mimeType: 'image/png' })
  t.notMatch((image as { data: string }).data, /^data:/)
  t.same(mine.map((p) => p.progress), [15, 50, 100], 'queued, rendering, completed: strictly increasing')
  t.ok(mine.every((p) => p.total === 100 && p.message?.startsWith('SP:SPX')), 'its own chart only')
  t.ok(other.every((p) => p.message?.startsWith('NASDAQ:AAPL')))
})

t.test('failures are results a model can act on', async (t) => {
  const { registry } = setup(t)
  const bad = await registry.call('generate_chart', { symbol: 'NASDAQ:TSLA' }, context(null))
  t.equal(bad.isError, true)
  t.match(bad.content[0], { type: 'text', text: /^Unknown symbol NASDAQ:TSLA \(request req_\S+\)$/ })
  const missing = await registry.call('get_chart_status', { requestId: 'req_1_abc' }, context(null))
  t.equal(missing.isError, true)
  t.match(missing.content[0], { text: /^No chart request req_1_abc\. It may be older than the history retention \(\d+ days \/ \d+ requests\)/ })
})

t.test('history, symbols and health read the core', async (t) => {
  const { registry } = setup(t)
  const made = await registry.call('generate_chart', { symbol: 'SP:SPX' }, context(null))
  const requestId = /Request: (\S+)/.exec((made.content[0] as { text: string }).text)?.[1]
  const status = JSON.parse(((await registry.call('get_chart_status', { requestId }, context(null))).content[0] as { text: string }).text)
  t.match(status, { requestId, status: 'completed', symbol: 'SP:SPX', size: '800x600', imageUrl: /\.png$/ })
  const recent = JSON.parse(((await registry.call('get_recent_requests', {}, context(null))).content[0] as { text: string }).text)
  t.match(recent, { count: 1, requests: [{ requestId }] })
  const symbols = JSON.parse(((await registry.call('get_available_symbols', { exchange: 'NASDAQ', limit: 2 }, context(null))).content[0] as { text: string }).text)
  t.match(symbols, { engine: 'local', total: 4, returned: 2 })
  const health = await registry.call('health_check', {}, context(null))
  t.notOk(health.isError)
  t.match(JSON.parse((health.content[0] as { text: string }).text), { status: 'ok', engine: 'local' })
})

t.test('health_check is an isError result when no chart can be made', async (t) => {
  const { registry } = setup(t, 'unavailable')
  t.equal((await registry.call('health_check', {}, context(null))).isError, true)
})

t.test('generate_chart asks which symbol was meant when the caller can answer, and only then', async (t) => {
  const { registry } = setup(t)
  const asked: ElicitationRequest[] = []
  const answering = (result: ElicitationResult): ToolContext['elicit'] => async (request) => { asked.push(request); return result }

  const chosen = await registry.call('generate_chart', { symbol: 'NYSE:AAPL' }, { ...context(null), elicit: answering({ action: 'accept', content: { symbol: 'NASDAQ:AAPL' } }) })
  t.notOk(chosen.isError)
  t.match(chosen.content[0], { text: /^Chart ready: NASDAQ:AAPL 1D/ }, 'the chart is of the symbol chosen')
  t.match(asked[0], { message: 'NYSE:AAPL is not available. Which of these symbols did you mean?', requestedSchema: { type: 'object', required: ['symbol'], properties: { symbol: { type: 'string', enum: ['NASDAQ:AAPL'] } } } })

  const declined = await registry.call('generate_chart', { symbol: 'NYSE:AAPL' }, { ...context(null), elicit: answering({ action: 'decline' }) })
  t.equal(declined.isError, true)
  t.match(declined.content[0], { text: /^No chart made: NYSE:AAPL is not available and no other symbol was chosen \(close matches: NASDAQ:AAPL\)\.$/ })

  const invented = await registry.call('generate_chart', { symbol: 'NYSE:AAPL' }, { ...context(null), elicit: answering({ action: 'accept', content: { symbol: 'NYSE:EVIL' } }) })
  t.equal(invented.isError, true, 'an answer outside the offered choices is refused')

  asked.length = 0
  const known = await registry.call('generate_chart', { symbol: 'NASDAQ:AAPL' }, { ...context(null), elicit: answering({ action: 'cancel' }) })
  t.notOk(known.isError)
  const nothingClose = await registry.call('generate_chart', { symbol: 'NASDAQ:TSLA' }, { ...context(null), elicit: answering({ action: 'cancel' }) })
  t.match(nothingClose.content[0], { text: /^Unknown symbol NASDAQ:TSLA/ }, 'no close match: the engine explains')
  t.equal(asked.length, 0, 'a known symbol, or one with no close match, asks nothing')

  const noElicit = await registry.call('generate_chart', { symbol: 'NYSE:AAPL' }, context(null))
  t.match(noElicit.content[0], { text: /^Unknown symbol NYSE:AAPL/ }, 'a caller that cannot answer gets the engine\'s error')
})
