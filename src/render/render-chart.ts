/**
 * RenderJob → image: ECharts server-side SVG (no DOM, no canvas), then resvg. CPU-bound; the local engine runs it
 * in worker threads (src/engines/local/render-worker.ts) so the event loop keeps serving other connections.
 */
import * as echarts from 'echarts'
import { ChartError } from '../chart/errors.js'
import { mimeTypeOf } from '../chart/request.js'
import type { RenderedImage, RenderJob } from './job.js'
import { findFonts } from './fonts.js'
import { buildChartOption } from './option-builder.js'
import { rasterize } from './rasterize.js'
import { installEchartsTextMeasure } from './text-measure.js'
import { THEME_COLORS } from './theme.js'

/** The chart as an SVG document of exactly job.width × job.height. */
export function renderSvg (job: RenderJob): { svg: string, notes: string[] } {
  installEchartsTextMeasure()
  const { option, notes } = buildChartOption(job)
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: job.width, height: job.height })
  try {
    chart.setOption(option)
    return { svg: chart.renderToSVGString(), notes }
  } finally {
    chart.dispose()
  }
}

export function renderChart (job: RenderJob): RenderedImage {
  const fonts = findFonts()
  if (fonts === null) {
    throw new ChartError('RENDER_FAILED', 'The embedded renderer has no font: the npm package dejavu-fonts-ttf is missing (reinstall dependencies)')
  }
  const { svg, notes } = renderSvg(job)
  const image = rasterize(svg, { format: job.format, background: THEME_COLORS[job.theme].background, fontFiles: [fonts.regular, fonts.bold] })
  if (image.width !== job.width || image.height !== job.height) {
    throw new ChartError('RENDER_FAILED', `The renderer produced ${image.width}×${image.height} instead of ${job.width}×${job.height}`)
  }
  return { data: image.data, mimeType: mimeTypeOf(job.format), width: image.width, height: image.height, notes }
}
