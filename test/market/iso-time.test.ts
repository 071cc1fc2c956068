import t from 'tap'
import { generateChartInput, normalizeChartRequest } from '../../src/chart/request.js'
import { buildAdvancedChartBody } from '../../src/engines/chart-img/request-body.js'
import { parseIsoTime } from '../../src/market/iso-time.js'
import { selectWindow } from '../../src/market/window.js'
import type { Series } from '../../src/market/types.js'

t.test('one reading: dates at 00:00 UTC, zone-less date-times in UTC (T or space), zones honoured, impossible dates refused', async (t) => {
  t.equal(parseIsoTime('2020-01-02'), Date.UTC(2020, 0, 2))
  t.equal(parseIsoTime('2020-01-02T10:00'), Date.UTC(2020, 0, 2, 10))
  t.equal(parseIsoTime(' 2020-01-02 10:00:30 '), Date.UTC(2020, 0, 2, 10, 0, 30))
  t.equal(parseIsoTime('2020-01-02T10:00:00-05:00'), Date.UTC(2020, 0, 2, 15))
  for (const bad of ['2019-02-30', '2019-13-01', '2020-01-02T24:00', 'Jan 2 2020', '', '2020-1-2']) t.equal(parseIsoTime(bad), undefined, bad)
})

t.test('both engines place a zone-less range at the same instants, whatever the host zone', async (t) => {
  // A host zone other than UTC (Node re-reads TZ when it is assigned), so reading in the host's zone would show.
  const hostZone = process.env.TZ
  process.env.TZ = 'America/New_York'
  t.teardown(() => { if (hostZone === undefined) delete process.env.TZ; else process.env.TZ = hostZone })
  const range = { from: '2020-01-02T10:00', to: '2020-01-03 10:00' }
  const request = normalizeChartRequest(generateChartInput.parse({ symbol: 'NASDAQ:AAPL', interval: '1h', range }), { storage: false })
  // The Chart-IMG body: it used `new Date(text)`, which reads a zone-less date-time in the host's zone.
  t.same(buildAdvancedChartBody(request).range, { from: '2020-01-02T10:00:00.000Z', to: '2020-01-03T10:00:00.000Z' })
  // The embedded engine: hourly bars from 2020-01-02 00:00 UTC; the window starts at the 10:00 bar, ends at the next day's.
  const start = Date.UTC(2020, 0, 2)
  const series: Series = {
    symbol: 'NASDAQ:AAPL',
    interval: '1h',
    fields: 'ohlc',
    source: 'test',
    bars: Array.from({ length: 48 }, (_, i) => ({ time: start + i * 3_600_000, open: 1, high: 2, low: 0.5, close: 1.5, volume: null }))
  }
  const window = selectWindow(series, range, { width: 800 })
  t.equal(series.bars[window.start].time, Date.UTC(2020, 0, 2, 10))
  t.equal(series.bars[window.end - 1].time, Date.UTC(2020, 0, 3, 10))
})

t.test('the request schema refuses what no engine could read', async (t) => {
  const result = generateChartInput.safeParse({ symbol: 'SP:SPX', range: { from: '2019-02-30', to: '2019-03-01' } })
  t.equal(result.success, false)
  t.match(JSON.stringify(result.error?.issues), /ISO 8601/)
})
