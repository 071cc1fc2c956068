import t from 'tap'
import { computeStudy, SUPPORTED_STUDIES } from '../../src/indicators/studies.js'
import { bollinger, ema, macd, rsi, sma } from '../../src/indicators/index.js'
import { createMarketCatalog } from '../../src/market/catalog.js'
import { silentLogger } from '../support/logger.js'

const catalog = createMarketCatalog({ log: silentLogger })
t.teardown(() => catalog.close())
const spx = catalog.getSeries('SP:SPX', '1D')
const aapl = catalog.getSeries('NASDAQ:AAPL', '1M')
const vix = catalog.getSeries('CBOE:VIX', '1D')
const closes = spx.bars.map((b) => b.close)

t.test('supported names', async (t) => {
  t.same(SUPPORTED_STUDIES, ['Volume', 'Moving Average', 'Moving Average Exponential', 'Bollinger Bands', 'Relative Strength Index',
    'MACD', 'Moving Average Convergence Divergence', 'Stochastic', 'Average True Range', 'On Balance Volume', 'Volume Weighted Moving Average'])
  t.throws(() => computeStudy({ name: 'Ichimoku Cloud' }, spx, 'light'), {
    name: 'ChartError',
    code: 'UNSUPPORTED_STUDY',
    message: `Study "Ichimoku Cloud" is not supported by the embedded engine. Supported studies: ${SUPPORTED_STUDIES.join(', ')}`
  })
  t.equal(computeStudy({ name: 'relative strength index' }, spx, 'light').title, 'RSI 14 close', 'names are case-insensitive')
})

t.test('TradingView defaults: titles, panes, lines aligned with the full series', async (t) => {
  const cases: Array<[string, string, 'price' | 'own', string[]]> = [
    ['Volume', 'Volume', 'own', ['Volume']],
    ['Moving Average', 'MA 9 close', 'price', ['MA']],
    ['Moving Average Exponential', 'EMA 9 close', 'price', ['EMA']],
    ['Bollinger Bands', 'BB 20 close 2', 'price', ['Basis', 'Upper', 'Lower']],
    ['Relative Strength Index', 'RSI 14 close', 'own', ['RSI']],
    ['MACD', 'MACD 12 26 close 9', 'own', ['Histogram', 'MACD', 'Signal']],
    ['Moving Average Convergence Divergence', 'MACD 12 26 close 9', 'own', ['Histogram', 'MACD', 'Signal']],
    ['Stochastic', 'Stoch 14 1 3', 'own', ['%K', '%D']],
    ['Average True Range', 'ATR 14 RMA', 'own', ['ATR']],
    ['On Balance Volume', 'OBV', 'own', ['OBV']],
    ['Volume Weighted Moving Average', 'VWMA 20 close', 'price', ['VWMA']]
  ]
  for (const [name, title, pane, labels] of cases) {
    const out = computeStudy({ name }, spx, 'dark')
    t.match(out, { name, title, pane, notes: [] }, name)
    t.same(out.lines.map((l) => l.label), labels, `${name} lines`)
    for (const line of out.lines) {
      t.equal(line.values.length, spx.bars.length, `${name} ${line.label} aligned`)
      t.match(line.color, /^(#[0-9a-f]{6}|rgba\(\d+,\d+,\d+,[\d.]+\))$/, `${name} ${line.label} colour`)
    }
  }
  t.same(computeStudy({ name: 'Moving Average' }, spx, 'light').lines[0].values, sma(closes, 9))
  t.same(computeStudy({ name: 'Moving Average Exponential' }, spx, 'light').lines[0].values, ema(closes, 9))
  t.same(computeStudy({ name: 'MACD' }, spx, 'light').lines[1].values, macd(closes, 12, 26, 9).macd)
})

t.test('scales, levels, bands and fills the renderer draws', async (t) => {
  const r = computeStudy({ name: 'Relative Strength Index' }, spx, 'light')
  t.match(r, { scale: 'own', range: { min: 0, max: 100 }, bands: [{ from: 30, to: 70, color: 'rgba(126,87,194,0.1)' }] })
  t.same(r.levels?.map((l) => l.value), [70, 50, 30])
  const s = computeStudy({ name: 'Stochastic' }, spx, 'light')
  t.same(s.levels?.map((l) => l.value), [80, 50, 20])
  t.match(s, { range: { min: 0, max: 100 }, bands: [{ from: 20, to: 80 }] })
  const bb = computeStudy({ name: 'Bollinger Bands' }, spx, 'light')
  t.match(bb, { scale: 'price', fills: [{ upper: 'Upper', lower: 'Lower' }] })
  t.same(computeStudy({ name: 'MACD' }, spx, 'light').levels?.map((l) => l.value), [0])
  t.match(computeStudy({ name: 'Relative Strength Index', forceOverlay: true }, spx, 'light'), { pane: 'price', scale: 'own' })
  t.match(computeStudy({ name: 'Volume', forceOverlay: true }, spx, 'light'), { pane: 'price', scale: 'own' }, 'overlaid volume keeps its own scale')
})

t.test('Volume and MACD histograms carry per-bar colours', async (t) => {
  const volume = computeStudy({ name: 'Volume' }, spx, 'light').lines[0]
  t.equal(volume.kind, 'histogram')
  t.equal(volume.barColors?.length, spx.bars.length)
  const up = 'rgba(8,153,129,0.5)'
  const down = 'rgba(242,54,69,0.5)'
  spx.bars.slice(0, 50).forEach((bar, i) => t.equal(volume.barColors?.[i], bar.close < bar.open ? down : up))
  t.same(volume.values.slice(0, 3), spx.bars.slice(0, 3).map((b) => b.volume))
  const recoloured = computeStudy({ name: 'Volume', override: { 'Volume.color.0': 'rgb(255,0,0)', 'Volume.color.1': '#00ff00' } }, spx, 'light').lines[0]
  t.same(new Set(recoloured.barColors), new Set(['#ff0000', '#00ff00']))
  const hist = computeStudy({ name: 'MACD' }, spx, 'light').lines[0]
  const values = hist.values
  for (let i = 40; i < 60; i++) {
    const h = values[i] as number
    const growing = h > (values[i - 1] as number)
    t.equal(hist.barColors?.[i], h >= 0 ? (growing ? '#26a69a' : '#b2dfdb') : (growing ? '#ffcdd2' : '#ff5252'))
  }
})

t.test('inputs: TradingView names and synonyms', async (t) => {
  const rsi21 = computeStudy({ name: 'Relative Strength Index', input: { length: 21, source: 'hlc3' } }, spx, 'light')
  t.equal(rsi21.title, 'RSI 21 hlc3')
  t.same(rsi21.lines[0].values, rsi(spx.bars.map((b) => (b.high + b.low + b.close) / 3), 21))
  const bb = computeStudy({ name: 'Bollinger Bands', input: { length: 10, stdDev: 1.5 } }, spx, 'light')
  t.equal(bb.title, 'BB 10 close 1.5')
  t.same(bb.lines[1].values, bollinger(closes, 10, 1.5).upper)
  t.equal(computeStudy({ name: 'Bollinger Bands', input: { mult: 3 } }, spx, 'light').title, 'BB 20 close 3')
  t.equal(computeStudy({ name: 'MACD', input: { fastLength: 5, 'Slow Length': 35, signal_length: 5 } }, spx, 'light').title, 'MACD 5 35 close 5')
  t.equal(computeStudy({ name: 'Stochastic', input: { '%K Length': 5, smoothK: 3, '%D Smoothing': 4 } }, spx, 'light').title, 'Stoch 5 3 4')
  t.equal(computeStudy({ name: 'Average True Range', input: { length: 10, smoothing: 'ema' } }, spx, 'light').title, 'ATR 10 EMA')
  const shifted = computeStudy({ name: 'Moving Average', input: { length: 5, offset: 2 } }, spx, 'light')
  t.equal(shifted.title, 'MA 5 close 2')
  t.equal(shifted.lines[0].values[6], sma(closes, 5)[4], 'offset moves the line right')
})

t.test('bad inputs: INVALID_REQUEST naming the input and the allowed range; unknown inputs become notes', async (t) => {
  t.throws(() => computeStudy({ name: 'Relative Strength Index', input: { length: 0 } }, spx, 'light'), {
    code: 'INVALID_REQUEST',
    message: 'Relative Strength Index: input "length" must be an integer from 1 to 5000 (got 0)'
  })
  t.throws(() => computeStudy({ name: 'Moving Average', input: { length: 'abc' } }, spx, 'light'), {
    code: 'INVALID_REQUEST',
    message: 'Moving Average: input "length" must be an integer from 1 to 5000 (got the string "abc")'
  })
  t.throws(() => computeStudy({ name: 'Moving Average', input: { length: 2.5 } }, spx, 'light'), { code: 'INVALID_REQUEST' })
  t.throws(() => computeStudy({ name: 'Bollinger Bands', input: { stdDev: -1 } }, spx, 'light'), { message: /input "stdDev" must be a number from 0.001 to 50/ })
  t.throws(() => computeStudy({ name: 'Moving Average', input: { source: 'volume' } }, spx, 'light'), { message: /input "source" must be one of open, high, low, close, hl2, hlc3, ohlc4, hlcc4/ })
  t.throws(() => computeStudy({ name: 'Bollinger Bands', input: { mult: 2, stdDev: 3 } }, spx, 'light'), { message: /both set mult/ })
  const out = computeStudy({ name: 'Relative Strength Index', input: { length: 14, foo: 1 } }, spx, 'light')
  t.same(out.notes, ['Relative Strength Index: input "foo" is not supported and was ignored (inputs: length, source)'])
})

t.test('overrides: colours onto lines, unknown keys and bad colours to notes', async (t) => {
  const ema21 = computeStudy({ name: 'Moving Average Exponential', input: { length: 21, source: 'close' }, override: { 'Plot.color': 'rgb(255,109,0)', 'Plot.linewidth': 2 } }, spx, 'light')
  t.match(ema21.lines[0], { color: '#ff6d00', lineWidth: 2 })
  const bb = computeStudy({ name: 'Bollinger Bands', override: { 'Upper.color': '#f00', 'Basis.color': 'orange', 'Lower.color': 'rgba(0,0,255,0.5)', 'Plots Background.color': 'rgba(0,0,0,0.2)' } }, spx, 'light')
  t.same(bb.lines.map((l) => l.color), ['#ffa500', '#ff0000', 'rgba(0,0,255,0.5)'])
  t.same(bb.fills, [{ upper: 'Upper', lower: 'Lower', color: 'rgba(0,0,0,0.2)' }])
  const m = computeStudy({ name: 'MACD', override: { 'MACD.color': '#000000', 'Signal.color': '#111111', 'Histogram.color': '#222222' } }, spx, 'light')
  t.same(m.lines.map((l) => l.color), ['#222222', '#000000', '#111111'])
  t.same(new Set(m.lines[0].barColors), new Set(['#222222']))
  const r = computeStudy({ name: 'Relative Strength Index', override: { 'UpperLimit.value': 80, 'LowerLimit.value': 20, 'Plot.color': 'blurple', 'Foo.bar': 1 } }, spx, 'dark')
  t.same(r.levels?.map((l) => l.value), [80, 50, 20])
  t.same(r.bands?.[0], { from: 20, to: 80, color: 'rgba(126,87,194,0.1)' })
  t.equal(r.lines[0].color, '#7e57c2', 'bad colour: default kept')
  t.same(r.notes, [
    'Relative Strength Index: override "Plot.color" has "blurple", which is not a colour (use #rrggbb, rgb(r,g,b), rgba(r,g,b,a) or a CSS name); default kept',
    'Relative Strength Index: override "Foo.bar" is not supported by the embedded engine and was ignored'
  ])
  const hidden = computeStudy({ name: 'Bollinger Bands', override: { 'Upper.visible': false } }, spx, 'light')
  t.same(hidden.lines.map((l) => l.label), ['Basis', 'Lower'])
  t.equal(hidden.fills, undefined, 'no fill without both lines')
  const stoch = computeStudy({ name: 'Stochastic', override: { '%K.color': '#123456', '%D.color': '#654321' } }, spx, 'light')
  t.same(stoch.lines.map((l) => l.color), ['#123456', '#654321'])
  t.match(computeStudy({ name: 'Volume', override: { 'Volume.color.2': '#fff' } }, spx, 'light').notes, [/colours 0–1/])
})

t.test('studies needing volume on data without it: empty lines and a note, not an error', async (t) => {
  for (const name of ['Volume', 'On Balance Volume', 'Volume Weighted Moving Average']) {
    const out = computeStudy({ name }, aapl, 'light')
    t.same(out.lines, [], name)
    t.same(out.notes, [`${name}: NASDAQ:AAPL has no volume data; not drawn`])
  }
  t.same(computeStudy({ name: 'Volume' }, vix, 'light').notes, ['Volume: CBOE:VIX has no volume data; not drawn'])
  t.throws(() => computeStudy({ name: 'Volume Weighted Moving Average', input: { length: 0 } }, aapl, 'light'), { code: 'INVALID_REQUEST' }, 'inputs still validated')
  const rsiAapl = computeStudy({ name: 'Relative Strength Index' }, aapl, 'light')
  t.equal(rsiAapl.lines[0].values.filter((v) => v !== null).length, aapl.bars.length - 14, 'close-only data still gets price studies')
})

t.test('level colours follow the theme', async (t) => {
  const light = computeStudy({ name: 'Relative Strength Index' }, spx, 'light')
  const dark = computeStudy({ name: 'Relative Strength Index' }, spx, 'dark')
  t.not(light.levels?.[0].color, dark.levels?.[0].color)
  t.equal(light.lines[0].color, dark.lines[0].color, 'TradingView plot colours read on both backgrounds')
})
