import t from 'tap'
import { STYLES, THEMES } from '../../src/chart/request.js'
import { prepareJob } from '../../src/engines/local/prepare-job.js'
import { findFonts } from '../../src/render/fonts.js'
import { rasterize } from '../../src/render/rasterize.js'
import { renderChart, renderSvg } from '../../src/render/render-chart.js'
import { THEME_COLORS } from '../../src/render/theme.js'
import { bundledCatalog, chartRequest, darkPixels, decodePng, jpegSize, pngSize } from './helpers.js'

const catalog = bundledCatalog()
t.teardown(() => catalog.close())

t.test('every style in both themes renders a PNG of exactly the asked size', async (t) => {
  for (const style of STYLES) {
    // Close-only monthly data cannot draw OHLC styles, so those use S&P 500 candles.
    const symbol = ['line', 'area', 'baseline', 'column'].includes(style) ? 'NASDAQ:AAPL' : 'SP:SPX'
    for (const theme of THEMES) {
      const width = 640 + STYLES.indexOf(style) * 7
      const height = 360 + (theme === 'dark' ? 3 : 0)
      const request = chartRequest({ symbol, interval: symbol === 'SP:SPX' ? '1D' : '1M', style, theme, width, height, studies: symbol === 'SP:SPX' ? [{ name: 'Volume' }] : [] })
      const image = renderChart(prepareJob(request, catalog).job)
      t.equal(image.mimeType, 'image/png')
      t.same(pngSize(image.data), { width, height }, `${style} ${theme}`)
    }
  }
})

t.test('JPEG: SOI marker and the asked size', async (t) => {
  const image = renderChart(prepareJob(chartRequest({ symbol: 'SP:SPX', format: 'jpeg', width: 700, height: 420, theme: 'dark' }), catalog).job)
  t.equal(image.mimeType, 'image/jpeg')
  t.same([image.data[0], image.data[1]], [0xff, 0xd8])
  t.same(jpegSize(image.data), { width: 700, height: 420 })
})

t.test('text is drawn: the header legend region holds glyph pixels, and none without fonts', async (t) => {
  const { job } = prepareJob(chartRequest({ symbol: 'SP:SPX', width: 800, height: 500 }), catalog)
  const header = { x: 4, y: 4, width: 420, height: 20 }
  const withText = decodePng(renderChart(job).data)
  const glyphs = darkPixels(withText, header)
  t.ok(glyphs > 300, `header has ${glyphs} dark (glyph) pixels`)

  const noLegend = decodePng(renderChart({ ...job, legend: false }).data)
  t.equal(darkPixels(noLegend, header), 0, 'the same chart without legend text has none there: the pixels are glyphs')

  // Control: the same SVG rasterised with no font files loses every glyph (resvg's silent failure the renderer guards against).
  const fonts = findFonts()
  t.ok(fonts, 'DejaVu Sans found')
  const { svg } = renderSvg(job)
  const fontless = decodePng(rasterize(svg, { format: 'png', background: THEME_COLORS.light.background, fontFiles: [] }).data)
  t.equal(darkPixels(fontless, header), 0, 'no fonts, no glyphs')
})

t.test('the price axis and time axis carry text too', async (t) => {
  const { job } = prepareJob(chartRequest({ symbol: 'SP:SPX', width: 800, height: 500 }), catalog)
  const image = decodePng(renderChart(job).data)
  t.ok(darkPixels(image, { x: 745, y: 40, width: 54, height: 400 }, 160) > 100, 'price axis labels')
  t.ok(darkPixels(image, { x: 0, y: 480, width: 740, height: 19 }, 160) > 100, 'time axis labels')
})
