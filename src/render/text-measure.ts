/**
 * One place that knows how wide text is in the PNG: DejaVu Sans metrics when the font files are present (always, in
 * a working install), otherwise a conservative 0.62 em per character. Also installs the same measure as ECharts'
 * platform `measureText`, so ECharts lays out labels for the face resvg actually draws.
 */
import * as echarts from 'echarts'
import { findFonts } from './fonts.js'
import { parseFont, readFontMetrics, type FontMetrics } from './font-metrics.js'

let metrics: { regular: FontMetrics, bold: FontMetrics } | null | undefined

function loadMetrics (): { regular: FontMetrics, bold: FontMetrics } | null {
  if (metrics !== undefined) return metrics
  const fonts = findFonts()
  try {
    metrics = fonts === null ? null : { regular: readFontMetrics(fonts.regular), bold: readFontMetrics(fonts.bold) }
  } catch {
    metrics = null
  }
  return metrics
}

export function measureText (text: string, fontSize: number, bold = false): number {
  const m = loadMetrics()
  if (m === null) return text.length * fontSize * 0.62
  return (bold ? m.bold : m.regular).width(text, fontSize)
}

let installed = false

/** Makes ECharts measure text with DejaVu Sans metrics (process-wide; idempotent). */
export function installEchartsTextMeasure (): void {
  if (installed) return
  installed = true
  echarts.setPlatformAPI({
    measureText: (text: string, font?: string) => {
      const { size, bold } = parseFont(font)
      return { width: measureText(text, size, bold) }
    }
  })
}
