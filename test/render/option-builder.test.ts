import t from 'tap'
import type { CustomSeriesRenderItem } from 'echarts'
import { SUPPORTED_STUDIES } from '../../src/indicators/studies.js'
import { prepareJob } from '../../src/engines/local/prepare-job.js'
import { buildChartOption } from '../../src/render/option-builder.js'
import { THEME_COLORS } from '../../src/render/theme.js'
import { bundledCatalog, chartRequest } from './helpers.js'

const catalog = bundledCatalog()
t.teardown(() => catalog.close())

type Obj = Record<string, any>
const OSCILLATORS = ['Relative Strength Index', 'MACD', 'Moving Average Convergence Divergence', 'Stochastic', 'Average True Range', 'On Balance Volume', 'Volume']
const OVERLAYS = ['Moving Average', 'Moving Average Exponential', 'Bollinger Bands', 'Volume Weighted Moving Average']

function build (args: Record<string, unknown>): { option: Obj, layout: ReturnType<typeof buildChartOption>['layout'], notes: string[] } {
  const { job } = prepareJob(chartRequest({ symbol: 'SP:SPX', range: '6M', ...args }), catalog)
  const built = buildChartOption(job)
  return { option: built.option as Obj, layout: built.layout, notes: built.notes }
}

const seriesOf = (option: Obj): Obj[] => option.series as Obj[]
const grids = (option: Obj): Obj[] => option.grid as Obj[]

t.test('the study lists agree: every supported study is an overlay or gets a pane', async (t) => {
  for (const name of SUPPORTED_STUDIES) t.ok(OSCILLATORS.includes(name) || OVERLAYS.includes(name), name)
})

t.test('every supported study renders into the option', async (t) => {
  for (const name of SUPPORTED_STUDIES) {
    const { option } = build({ studies: [{ name }] })
    const own = OSCILLATORS.includes(name)
    t.equal(grids(option).length, own ? 2 : 1, `${name}: ${own ? 'a pane of its own' : 'on the price pane'}`)
    const studySeries = seriesOf(option).filter((s) => String(s.name).startsWith(own ? 'pane-0-' : 'overlay-0-'))
    t.ok(studySeries.length > 0, `${name}: has series`)
    for (const s of studySeries) {
      t.equal(s.xAxisIndex, own ? 1 : 0)
      const axis = (option.yAxis as Obj[])[s.yAxisIndex]
      t.equal(axis.gridIndex, own ? 1 : 0, `${name}: its y axis is on its pane`)
      t.ok((s.data as unknown[]).some((v) => v !== null && (typeof v !== 'object' || (v as Obj).value !== null)), `${name} ${s.name}: has values`)
    }
  }
})

t.test('oscillators stack in panes of their own under the price pane; heights split sensibly', async (t) => {
  const { option, layout } = build({ width: 800, height: 640, studies: [{ name: 'Bollinger Bands' }, { name: 'Volume' }, { name: 'Relative Strength Index' }, { name: 'MACD' }] })
  const g = grids(option)
  t.equal(g.length, 4, 'price, Volume, RSI, MACD')
  for (let i = 1; i < g.length; i++) t.equal(g[i].top, g[i - 1].top + g[i - 1].height, `pane ${i} starts where pane ${i - 1} ends`)
  const plot = g.reduce((sum, grid) => sum + (grid.height as number), 0)
  t.ok(g[0].height / plot >= 0.45, 'the price pane keeps at least 45 %')
  t.ok(g[1].height < g[2].height, 'Volume is shorter than an oscillator pane')
  t.equal(g[3].top + g[3].height, 640 - layout.bottom, 'the time axis fits under the last pane')
  const xAxes = option.xAxis as Obj[]
  t.same(xAxes.map((x) => x.axisLabel.show), [false, false, false, true], 'time labels under the last pane only')
  const yAxes = option.yAxis as Obj[]
  const rsiAxis = yAxes.find((y) => y.gridIndex === 2)
  t.same([rsiAxis?.min, rsiAxis?.max], [0, 100], 'RSI on a 0–100 scale')
  t.same(rsiAxis?.axisLabel.customValues, [70, 50, 30], 'RSI labels its levels')
  const rsi = seriesOf(option).find((s) => s.name === 'pane-1-RSI')
  t.same(rsi?.markLine.data.map((d: Obj) => d.yAxis), [70, 50, 30], 'RSI 70/50/30 level lines')
  t.same(rsi?.markArea.data[0].map((d: Obj) => d.yAxis), [30, 70], 'RSI band shaded between 30 and 70')
  const histogram = seriesOf(option).find((s) => s.name === 'pane-2-Histogram')
  t.equal(histogram?.type, 'bar', 'MACD histogram is bars')
  const fills = seriesOf(option).filter((s) => String(s.name).startsWith('overlay-0-fill'))
  t.equal(fills.length, 2, 'Bollinger fill: base + stacked band')
  t.ok(fills[1].areaStyle, 'band filled')
})

t.test('Volume with forceOverlay sits at the bottom of the price pane on a hidden scale', async (t) => {
  const { option } = build({ studies: [{ name: 'Volume', forceOverlay: true }] })
  t.equal(grids(option).length, 1)
  const volume = seriesOf(option).find((s) => s.name === 'overlay-own-0-Volume')
  const axis = (option.yAxis as Obj[])[volume?.yAxisIndex]
  t.match(axis, { gridIndex: 0, show: false, min: 0 })
  const maxVolume = Math.max(...(volume?.data as Obj[]).map((d) => d.value ?? 0))
  t.ok(axis.max >= maxVolume * 4, 'bars use the bottom fifth')
})

t.test('drawings: horizontal line as markLine, trend line and positions as custom series', async (t) => {
  const { option, notes } = build({
    drawings: [
      { name: 'Horizontal Line', input: { price: 3000, text: 'Round number' }, override: { lineColor: '#ff0000', lineWidth: 3, lineStyle: 2 } },
      { name: 'Trend Line', input: { startDatetime: '2020-01-02', startPrice: 3250, endDatetime: '2020-02-19', endPrice: 3390 } },
      { name: 'Long Position', input: { startDatetime: '2020-03-24', entryPrice: 2450, targetPrice: 2900, stopPrice: 2250 } },
      { name: 'Short Position', input: { startDatetime: '2020-02-21', endDatetime: '2020-03-20', entryPrice: 3300, targetPrice: 2500, stopPrice: 3450 }, override: { profitBackground: '#0000ff' } }
    ]
  })
  t.same(notes, [])
  const main = seriesOf(option)[0]
  const line = main.markLine.data.find((d: Obj) => d.name === 'drawing-0')
  t.match(line, { yAxis: 3000, lineStyle: { color: '#ff0000', width: 3 } })
  t.same(line.lineStyle.type, [12, 9], 'dashed')
  t.equal(line.label.show, false, 'the line itself carries no label…')
  const label = (option.graphic.elements as Obj[]).find((e) => e.name === 'drawing-0-label')
  t.equal(label?.style.text, 'Round number', '…its text is a placed label (drawing-labels.ts)')
  t.ok(main.markLine.data.find((d: Obj) => d.name === 'drawing-0-tag'), 'price tag on the axis')

  const custom = (name: string): Obj | undefined => seriesOf(option).find((s) => s.name === name)
  t.match(custom('drawing-1'), { type: 'custom', xAxisIndex: 0, yAxisIndex: 0 })
  const api = { coord: ([x, y]: number[]) => [x * 5, 4000 - y], size: () => [5, 0], value: () => 0 }
  const draw = (name: string): Obj[] => ((custom(name)?.renderItem as CustomSeriesRenderItem)({ coordSys: { x: 0, y: 0, width: 700, height: 400 } } as never, api as never) as Obj).children
  const trend = draw('drawing-1')
  t.equal(trend[0].type, 'line')
  t.ok(trend[0].shape.x2 > trend[0].shape.x1, 'the trend line runs forward in time')

  const colors = THEME_COLORS.light
  const long = draw('drawing-2')
  const [profit, loss] = long.filter((c) => c.type === 'rect')
  t.equal(profit.style.fill, colors.profitFill, 'long: profit zone shaded green')
  t.equal(loss.style.fill, colors.lossFill, 'long: loss zone shaded red')
  t.equal(profit.shape.y + profit.shape.height, 4000 - 2450, 'profit zone from the entry up to the target')
  t.equal(profit.shape.y, 4000 - 2900)
  t.equal(loss.shape.y, 4000 - 2450, 'loss zone from the entry down to the stop')
  t.match(long.filter((c) => c.type === 'text').map((c) => c.style.text), [/^Target: 2900.00/, /^Stop: 2250.00/, /^Long 2450.00 · R\/R 2.25/])
  const short = draw('drawing-3')
  const [shortProfit, shortLoss] = short.filter((c) => c.type === 'rect')
  t.equal(shortProfit.style.fill, 'rgba(0,0,255,0.2)', 'override profitBackground')
  t.equal(shortProfit.shape.y, 4000 - 3300, 'short: profit zone below the entry')
  t.equal(shortLoss.shape.y, 4000 - 3450, 'short: loss zone above the entry')
})

t.test('a drawing outside the visible bars or prices is reported, not silently dropped', async (t) => {
  const { notes } = build({
    drawings: [
      { name: 'Trend Line', input: { startDatetime: '2001-01-02', startPrice: 1300, endDatetime: '2001-02-19', endPrice: 1200 } },
      { name: 'Horizontal Line', input: { price: 100000 } }
    ]
  })
  t.match(notes, [/drawings\[1\] \(Horizontal Line\): price 100000 is far outside/, /drawings\[0\] \(Trend Line\): lies outside the visible bars/])
})

t.test('header legend: symbol, interval and the last bar values', async (t) => {
  const { option } = build({})
  const header = (option.graphic.elements as Obj[])[0]
  t.match(header.style.text, /SP:SPX · 1D/)
  t.match(header.style.text, /\{p\d+\|2874.56\}/, 'last close')
  t.match(header.style.text, /O .*H .*L .*C /)
})

t.test('the price axis is on the right; time labels name months for daily bars', async (t) => {
  const { option } = build({ range: '1Y' })
  t.equal((option.yAxis as Obj[])[0].position, 'right')
  const x = (option.xAxis as Obj[])[0]
  const labels = (x.data as string[]).map((_, i) => (x.axisLabel.interval(i) === true ? x.axisLabel.formatter('', i) : null)).filter((l) => l !== null)
  t.ok(labels.length >= 5, `${labels.length} labels`)
  for (const label of labels) t.match(label, /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|\d{4})$/)
  t.ok(labels.includes('2020'), 'a year boundary shows the year')
})
