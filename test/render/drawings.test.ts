import t, { type Test } from 'tap'
import { ChartError } from '../../src/chart/errors.js'
import { parseDrawings, SUPPORTED_DRAWINGS } from '../../src/render/drawings.js'

const fails = (t: Test, drawings: unknown[], pattern: RegExp, what: string): void => {
  try {
    parseDrawings(drawings as never, 'light')
    t.fail(`${what}: accepted`)
  } catch (error) {
    t.ok(error instanceof ChartError && error.code === 'INVALID_REQUEST', `${what}: INVALID_REQUEST`)
    t.match((error as Error).message, pattern, what)
  }
}

t.test('unknown drawing names list the supported ones', async (t) => {
  fails(t, [{ name: 'Fib Retracement', input: {} }], /drawings\[0\]: "Fib Retracement" is not a drawing.*Horizontal Line, Trend Line, Long Position, Short Position/, 'unknown')
  t.same([...SUPPORTED_DRAWINGS], ['Horizontal Line', 'Trend Line', 'Long Position', 'Short Position'])
})

t.test('missing or invalid inputs name the drawing and the field', async (t) => {
  fails(t, [{ name: 'Horizontal Line', input: {} }], /drawings\[0\] \(Horizontal Line\): input.price must be a finite number \(it is missing\)/, 'missing price')
  fails(t, [{ name: 'Horizontal Line', input: { price: 'high' } }], /input.price must be a finite number \(got "high"\)/, 'price not a number')
  fails(t, [{ name: 'Horizontal Line', input: { price: 1 } }, { name: 'Trend Line', input: { startDatetime: 'yesterday', startPrice: 1, endDatetime: '2020-01-01', endPrice: 2 } }], /drawings\[1\] \(Trend Line\): input.startDatetime must be an ISO 8601 date/, 'bad date')
  fails(t, [{ name: 'Trend Line', input: { startDatetime: '2020-01-01', startPrice: 1, endDatetime: '2020-01-01', endPrice: 2 } }], /must differ/, 'zero-length trend line')
  fails(t, [{ name: 'Long Position', input: { startDatetime: '2020-01-01', entryPrice: 100, targetPrice: 90, stopPrice: 95 } }], /a long position needs stopPrice < entryPrice < targetPrice/, 'long upside down')
  fails(t, [{ name: 'Short Position', input: { startDatetime: '2020-01-01', entryPrice: 100, targetPrice: 110, stopPrice: 95 } }], /a short position needs targetPrice < entryPrice < stopPrice/, 'short upside down')
  fails(t, [{ name: 'Long Position', input: { startDatetime: '2020-02-01', endDatetime: '2020-01-01', entryPrice: 100, targetPrice: 110, stopPrice: 95 } }], /input.endDatetime must be after input.startDatetime/, 'end before start')
  fails(t, [{ name: 'Short Position', input: { startDatetime: '2020-01-01', entryPrice: 100, stopPrice: 110 } }], /input.targetPrice must be a finite number \(it is missing\)/, 'missing target')
})

t.test('valid drawings: names and keys case-insensitive, numeric strings accepted, zone-less datetimes read as UTC', async (t) => {
  const { drawings, notes } = parseDrawings([
    { name: 'horizontal line', input: { PRICE: '155.5', text: 'Resistance' } },
    { name: 'Trend Line', input: { startDatetime: '2020-01-02T10:00:00', startPrice: 1, endDatetime: '2020-01-03T10:00:00+02:00', endPrice: 2 } },
    { name: 'Long Position', input: { startDatetime: '2020-01-01', entryPrice: 100, targetPrice: 110, stopPrice: 95 } }
  ], 'dark')
  t.same(notes, [])
  t.match(drawings[0], { kind: 'horizontal', price: 155.5, text: 'Resistance' })
  t.match(drawings[1], { kind: 'trend', start: { time: Date.UTC(2020, 0, 2, 10) }, end: { time: Date.UTC(2020, 0, 3, 8) } })
  t.match(drawings[2], { kind: 'position', side: 'long', endTime: null, entry: 100, target: 110, stop: 95 })
})

t.test('overrides: colours, width, style; anything else becomes a note', async (t) => {
  const { drawings, notes } = parseDrawings([
    { name: 'Horizontal Line', input: { price: 1, extra: true }, override: { linecolor: 'rgb(255,109,0)', linewidth: 3, linestyle: 1, textColor: 'red', showLabel: false, glow: 5, fontsize: 'big' } },
    { name: 'Short Position', input: { startDatetime: '2020-01-01', entryPrice: 100, targetPrice: 90, stopPrice: 105 }, override: { stopBackground: '#ff0000', stopBackgroundTransp: 50, color: 'notacolour' } }
  ], 'light')
  t.match(drawings[0], { look: { color: '#ff6d00', width: 3, dash: 'dotted', textColor: '#ff0000', showLabel: false } })
  t.match(drawings[1], { lossFill: 'rgba(255,0,0,0.5)' })
  t.match(notes, [
    /drawings\[0\] \(Horizontal Line\): input "extra" is not supported/,
    /drawings\[0\] \(Horizontal Line\): override "glow" is not supported/,
    /override "fontSize" must be an integer/,
    /drawings\[1\] \(Short Position\): override "color" is not a colour/
  ])
})
