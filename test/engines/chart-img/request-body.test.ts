import t from 'tap'
import { generateChartInput, normalizeChartRequest } from '../../../src/chart/request.js'
import { BODY_FIELDS, buildAdvancedChartBody } from '../../../src/engines/chart-img/request-body.js'
import { chartRequest } from './harness.js'

t.test('a full tool request becomes a v2 body of allowed fields only', async (t) => {
  const args = generateChartInput.parse({
    symbol: 'binance:btcusdt',
    interval: '4h',
    chartType: 'heikin_ashi',
    theme: 'dark',
    width: 1024,
    height: 576,
    range: '3M',
    timezone: 'America/New_York',
    format: 'jpeg',
    studies: [{ name: 'Volume' }, { name: 'Moving Average Exponential', input: { length: 21, source: 'close' }, override: { 'Plot.color': 'rgb(255,109,0)' } }],
    drawings: [{ name: 'Long Position', input: { startDatetime: '2025-01-01T00:00:00.000Z', entryPrice: 150, targetPrice: 160, stopPrice: 145 } }],
    storage: true
  })
  const body = buildAdvancedChartBody(normalizeChartRequest(args, { storage: false }))
  t.same(body, {
    symbol: 'BINANCE:BTCUSDT',
    interval: '4h',
    width: 1024,
    height: 576,
    style: 'heikinAshi',
    theme: 'dark',
    format: 'jpeg',
    range: '3M',
    timezone: 'America/New_York',
    studies: [{ name: 'Volume' }, { name: 'Moving Average Exponential', input: { length: 21, source: 'close' }, override: { 'Plot.color': 'rgb(255,109,0)' } }],
    drawings: [{ name: 'Long Position', input: { startDatetime: '2025-01-01T00:00:00.000Z', entryPrice: 150, targetPrice: 160, stopPrice: 145 } }]
  })
  t.ok(Object.keys(body).every((k) => (BODY_FIELDS as readonly string[]).includes(k)))
})

t.test('fields outside the allow-list never leak from the request object', async (t) => {
  const request = { ...chartRequest(), storage: true, inputs: { x: 1 }, showVolume: true } as ReturnType<typeof chartRequest>
  request.studies = [{ name: 'MACD', inputs: { a: 1 } } as never]
  const body = buildAdvancedChartBody(request)
  t.notOk('storage' in body)
  t.notOk('showVolume' in body)
  t.same(body.studies, [{ name: 'MACD' }])
})

t.test('the request schema refuses what Chart-IMG would answer with 422, before any call', async (t) => {
  t.ok(generateChartInput.safeParse({ symbol: 'CME_MINI:ES1!' }).success)
  for (const symbol of ['AAPL', 'A:B:C']) t.notOk(generateChartInput.safeParse({ symbol }).success, symbol)
  t.notOk(generateChartInput.safeParse({ symbol: 'NASDAQ:AAPL', interval: '1Y' }).success)
})
