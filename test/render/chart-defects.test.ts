/**
 * One test per chart defect of issue 12, on the ECharts option the renderer draws (and, for drawing labels, on the
 * rendered image): the last-price badge and the tick labels, time-axis context, one-bar change, study colours,
 * drawing labels, overlaid volume.
 */
import t from 'tap'
import { prepareJob } from '../../src/engines/local/prepare-job.js'
import { buildChartOption } from '../../src/render/option-builder.js'
import { TAG_HEIGHT } from '../../src/render/price-tags.js'
import { measureText } from '../../src/render/text-measure.js'
import { renderChart } from '../../src/render/render-chart.js'
import { bundledCatalog, chartRequest, darkPixels, decodePng } from './helpers.js'

const catalog = bundledCatalog()
t.teardown(() => catalog.close())

type Obj = Record<string, any>
interface Box { x: number, y: number, width: number, height: number }

function build (args: Record<string, unknown>): { option: Obj, job: ReturnType<typeof prepareJob>['job'], notes: string[] } {
  const { job, notes } = prepareJob(chartRequest({ symbol: 'SP:SPX', width: 800, height: 500, ...args }), catalog)
  const built = buildChartOption(job)
  return { option: built.option as Obj, job, notes: [...notes, ...built.notes] }
}

/** Pixel y of a price on the price pane, from the option's own grid and axis. */
function priceY (option: Obj, price: number): number {
  const grid = option.grid[0]
  const axis = option.yAxis[0]
  return grid.top + (axis.max - price) / (axis.max - axis.min) * grid.height
}

/** The time-axis labels as drawn: text of every labelled category. */
function timeLabels (option: Obj): string[] {
  const x = (option.xAxis as Obj[]).at(-1) as Obj
  return (x.data as string[]).flatMap((_, i) => (x.axisLabel.interval(i) === true ? [x.axisLabel.formatter('', i) as string] : [])).filter((l) => l !== '')
}

/** Every price tag on the axis (the last price and horizontal-line tags), at its drawn y. */
function tagYs (option: Obj): number[] {
  const data = option.series[0].markLine.data as Obj[]
  return data.filter((d) => d.label?.show === true && d.label.position === 'end').map((d) => priceY(option, d.yAxis) + (d.label.offset?.[1] ?? 0))
}

const overlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

t.test('the last-price badge hides the tick label it would cover (VIX: 25.92 over 26.00)', async (t) => {
  const { option } = build({ symbol: 'CBOE:VIX' })
  const axis = option.yAxis[0]
  const [badge] = tagYs(option)
  t.equal(axis.axisLabel.formatter(26), '', '26.00 is under the 25.92 badge: not drawn')
  t.equal(axis.axisLabel.formatter(30), '30.00', 'labels away from the badge stay')
  for (let v = Math.ceil(axis.min); v <= axis.max; v += 0.5) {
    if (axis.axisLabel.formatter(v) === '') continue
    t.ok(Math.abs(priceY(option, v) - badge) >= TAG_HEIGHT / 2 + 6, `label ${v} is clear of the badge`)
  }
})

t.test('price tags never overlap each other; the last price keeps its place', async (t) => {
  const { option, job } = build({ range: '6M', drawings: [{ name: 'Horizontal Line', input: { price: 2900, text: 'Support' } }, { name: 'Horizontal Line', input: { price: 2880 } }] })
  const ys = tagYs(option)
  t.equal(ys.length, 3)
  t.ok(Math.abs(ys[0] - priceY(option, job.bars.close.at(-1) ?? 0)) < 1e-6, 'the last price badge is at the last price')
  for (let i = 0; i < ys.length; i++) {
    for (let j = i + 1; j < ys.length; j++) t.ok(Math.abs(ys[i] - ys[j]) >= TAG_HEIGHT - 1e-9, `tags ${i} and ${j} are ${Math.abs(ys[i] - ys[j]).toFixed(1)} px apart`)
  }
})

t.test('the time axis always says when: year, month and date where the ticks alone would not', async (t) => {
  const short = timeLabels(build({ range: { from: '2008-09-01', to: '2008-12-31' } }).option)
  t.ok(short.some((l) => l.includes('2008')), `Sep–Dec 2008 names its year: ${short.join(' | ')}`)
  t.ok(short.includes('Nov') && short.includes('Dec'), 'and still labels the months')

  const fiveDays = timeLabels(build({ range: '5D' }).option)
  t.ok(fiveDays.some((l) => /Apr 2020/.test(l)), `5D names month and year: ${fiveDays.join(' | ')}`)
  t.ok(fiveDays.length >= 3, 'and labels the other days')

  const oneDay = build({ range: '1D' })
  t.equal(oneDay.job.bars.close.length, 1, 'range 1D on daily data is one candle')
  t.same(timeLabels(oneDay.option), ['17 Apr 2020'], 'that candle is labelled with its date')

  const year = timeLabels(build({ range: '1Y' }).option)
  t.ok(year.includes('2020'), `a range across a new year shows the year where it changes: ${year.join(' | ')}`)

  const all = timeLabels(build({ range: 'ALL', interval: '1W' }).option)
  t.ok(all.every((l) => /^\d{4}$/.test(l)), `years on a 20-year chart: ${all.join(' | ')}`)
})

t.test('a one-bar chart measures its change from the previous close, not its open', async (t) => {
  const bars = catalog.getSeries('SP:SPX', '1D').bars
  const [previous, last] = bars.slice(-2)
  const { option } = build({ range: '1D' })
  const header = option.graphic.elements[0].style.text as string
  const change = (last.close - previous.close).toFixed(2)
  t.ok(last.close - last.open !== last.close - previous.close, 'the data tells the two apart')
  t.match(header, `+${change} (+${((last.close - previous.close) / previous.close * 100).toFixed(2)}%)`, `change from the previous close ${previous.close}`)
  t.notMatch(header, `+${(last.close - last.open).toFixed(2)}`, 'not from the open')
})

t.test('each study on the price pane gets its own colour, distinct from the price line', async (t) => {
  const { option } = build({ style: 'line', range: '1Y', studies: [{ name: 'Moving Average', input: { length: 50 } }, { name: 'Moving Average Exponential', input: { length: 21 } }, { name: 'Volume Weighted Moving Average' }] })
  const priceColor = option.series[0].lineStyle.color
  const studyColors = (option.series as Obj[]).filter((s) => /^overlay-\d+-/.test(s.name)).map((s) => s.lineStyle.color as string)
  t.equal(studyColors.length, 3)
  t.equal(new Set([priceColor, ...studyColors]).size, 4, `line ${priceColor}, studies ${studyColors.join(', ')}: all different`)
  const legend = (option.graphic.elements as Obj[]).slice(1, 4).map((e) => e.style.text as string)
  studyColors.forEach((color, i) => t.match(JSON.stringify(option.graphic.elements[i + 1].style.rich), color, `legend line ${i + 1} (${legend[i].slice(0, 20)}…) is printed in its line's colour`))

  const overridden = build({ style: 'line', studies: [{ name: 'Moving Average', override: { 'Plot.color': '#2962ff' } }] }).option
  t.equal((overridden.series as Obj[]).find((s) => s.name === 'overlay-0-MA')?.lineStyle.color, '#2962ff', 'a colour chosen by override is kept')
})

t.test('drawing labels stay clear of the legend, each other and the candles', async (t) => {
  const args = {
    range: '6M',
    drawings: [
      { name: 'Horizontal Line', input: { price: 3380, text: 'All-time high' } },
      { name: 'Horizontal Line', input: { price: 2900, text: 'Support' } },
      { name: 'Trend Line', input: { startDatetime: '2020-02-19', startPrice: 3386, endDatetime: '2020-03-23', endPrice: 2237, text: 'Crash' } }
    ]
  }
  const { option, job } = build(args)
  const elements = option.graphic.elements as Obj[]
  const box = (e: Obj): Box => {
    const padding = e.style.padding ?? [0, 0]
    const size = Number(/(\d+)px/.exec(e.style.font ?? `${e.style.rich?.p0?.fontSize}px`)?.[1] ?? 12)
    const text = String(e.style.text).replace(/\{p\d+\|([^}]*)\}/g, '$1')
    return { x: e.x, y: e.y, width: measureText(text, size) + padding[1] * 2, height: size * 1.2 + padding[0] * 2 }
  }
  const labels = elements.filter((e) => /^drawing-\d+-label$/.test(e.name))
  t.equal(labels.length, 3, 'three labels')
  const header = box(elements[0])
  const boxes = labels.map(box)
  for (const [i, b] of boxes.entries()) {
    t.notOk(overlap(b, header), `${labels[i].style.text} is clear of the header legend`)
    t.ok(b.y >= option.grid[0].top && b.y + b.height <= option.grid[0].top + option.grid[0].height, 'inside the price pane')
    for (const other of boxes.slice(i + 1)) t.notOk(overlap(b, other), 'labels do not overlap')
    t.ok(labels[i].z > option.series[0].z, 'drawn above the candles')
    // Candles under the label: a few pixels at most, where a fixed spot covered many.
    const slot = (job.width - option.grid[0].left - option.grid[0].right) / option.xAxis[0].data.length
    let covered = 0
    job.bars.high.forEach((high, k) => {
      const x = option.grid[0].left + (k + 0.5) * slot
      if (x < b.x || x > b.x + b.width) return
      covered += Math.max(0, Math.min(priceY(option, job.bars.low[k]), b.y + b.height) - Math.max(priceY(option, high), b.y))
    })
    t.ok(covered <= 4, `${labels[i].style.text}: ${covered.toFixed(1)} px of candles under it`)
  }

  // In the image: the label's box has text pixels (dark on the light theme), drawn over a light backdrop.
  const rendered = renderChart(job)
  const image = decodePng(rendered.data)
  for (const b of boxes) t.ok(darkPixels(image, { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) }) > 20, 'label text drawn')
})

t.test('a position\'s edge label near the top goes inside its zone instead of over the legend', async (t) => {
  const { option } = build({ range: '3M', drawings: [{ name: 'Short Position', input: { startDatetime: '2020-02-21', endDatetime: '2020-03-20', entryPrice: 3300, targetPrice: 2500, stopPrice: 3450 } }] })
  const series = (option.series as Obj[]).find((s) => s.name === 'drawing-0') as Obj
  const slot = 10
  const api = { coord: ([x, price]: number[]) => [option.grid[0].left + (x + 0.5) * slot, priceY(option, price)], size: () => [slot, 0], value: () => 0 }
  const children = (series.renderItem({ coordSys: {} }, api) as Obj).children as Obj[]
  const stop = children.find((c) => c.type === 'text' && String(c.style.text).startsWith('Stop:')) as Obj
  const header = option.graphic.elements[0]
  const legendBottom = header.y + 19
  t.equal(stop.style.verticalAlign, 'top', 'hangs below the zone\'s top edge')
  t.ok(stop.y >= priceY(option, 3450), 'inside the loss zone')
  t.ok(stop.y >= legendBottom, `starts at y ${stop.y.toFixed(1)}, below the legend (${legendBottom})`)
  const target = children.find((c) => c.type === 'text' && String(c.style.text).startsWith('Target:')) as Obj
  t.equal(target.style.verticalAlign, 'top', 'the target label, with room below, stays outside its zone')
  t.ok(target.y > priceY(option, 2500))
})

t.test('overlaid volume keeps to the bottom of the pane; the candles stay above it', async (t) => {
  const { option, job } = build({ range: '3M', studies: [{ name: 'Volume', forceOverlay: true }] })
  const grid = option.grid[0]
  const volumeTop = grid.top + grid.height * 0.8
  const lowest = Math.max(...job.bars.low.map((low) => priceY(option, low)))
  t.ok(lowest < volumeTop, `lowest wick at y ${lowest.toFixed(1)}, volume from y ${volumeTop.toFixed(1)}`)
})
