/**
 * Automatic interval coarsening of the embedded engine: a range that would draw more than MAX_DRAWN_BARS bars is
 * drawn at the finest coarser interval that fits, and the result's text says so (Note: …).
 */
import t from 'tap'
import { MAX_DRAWN_BARS, prepareJob } from '../../src/engines/local/prepare-job.js'
import { selectWindow } from '../../src/market/window.js'
import { callTool, startApp } from '../support/app.js'
import { bundledCatalog, chartRequest } from '../render/helpers.js'

const catalog = bundledCatalog()
t.teardown(() => catalog.close())

t.test('1D over ALL (5,105 daily bars) is drawn weekly, with a note naming both counts', async (t) => {
  const daily = catalog.getSeries('SP:SPX', '1D').bars.length
  t.ok(daily > MAX_DRAWN_BARS, `${daily} daily bars`)
  const { job, notes } = prepareJob(chartRequest({ symbol: 'SP:SPX', interval: '1D', range: 'ALL' }), catalog)
  const weekly = catalog.getSeries('SP:SPX', '1W')
  t.equal(job.interval, '1W', 'drawn at the finest interval that fits')
  t.equal(job.bars.close.length, weekly.bars.length, 'every weekly bar')
  t.ok(job.bars.close.length <= MAX_DRAWN_BARS)
  t.same(job.bars.time, weekly.bars.map((b) => b.time))
  t.match(notes, [`interval: range ALL at 1D would draw ${daily.toLocaleString('en-US')} bars; drawn at 1W (${weekly.bars.length.toLocaleString('en-US')} bars)`])
})

t.test('a custom range is coarsened the same way; ranges that fit are left alone', async (t) => {
  const wide = prepareJob(chartRequest({ symbol: 'SP:SPX', range: { from: '2000-01-01', to: '2019-12-31' } }), catalog)
  t.equal(wide.job.interval, '1W')
  t.match(wide.notes, [/range 2000-01-01 to 2019-12-31 at 1D would draw/])
  const fiveYears = prepareJob(chartRequest({ symbol: 'SP:SPX', range: '5Y' }), catalog)
  const expected = selectWindow(catalog.getSeries('SP:SPX', '1D'), '5Y', { width: 800 })
  t.equal(fiveYears.job.interval, '1D', '5Y of daily bars (about 1,260) stays daily')
  t.equal(fiveYears.job.bars.close.length, expected.end - expected.start)
  t.same(fiveYears.notes, [])
})

t.test('over HTTP: generate_chart says in its result text that the interval was coarsened', async (t) => {
  const { url } = await startApp(t)
  const { status, body } = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', interval: '1D', range: 'ALL', width: 640, height: 400 })
  t.equal(status, 200)
  const text = (body.result.content as Array<{ type: string, text?: string }>).find((c) => c.type === 'text')?.text ?? ''
  t.match(text, /Note: interval: range ALL at 1D would draw 5,10\d bars; drawn at 1W \(1,0\d\d bars\)/)
  t.ok((body.result.content as Array<{ type: string }>).some((c) => c.type === 'image'), 'and the image')
})
