/**
 * SVG → PNG or JPEG with resvg. resvg needs explicit fonts (it drops all text silently without one, and its default
 * sans-serif is a serif face): DejaVu Sans from `dejavu-fonts-ttf`, never system fonts. JPEG has no alpha, so the
 * RGBA pixels are laid over the theme background (resvg's `background`) before `jpeg-js` encodes them.
 */
import { Resvg } from '@resvg/resvg-js'
import jpeg from 'jpeg-js'
import { FONT_FAMILY } from './theme.js'

export interface RasterOptions {
  format: 'png' | 'jpeg'
  background: string
  /** Font files for text; an empty list draws no text at all (tests use it as the "no fonts" control). */
  fontFiles: string[]
  /** JPEG quality 1–100. */
  quality?: number
}

export const JPEG_QUALITY = 90

export function rasterize (svg: string, options: RasterOptions): { data: Buffer, width: number, height: number } {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'original' },
    background: options.background,
    font: {
      loadSystemFonts: false,
      fontFiles: options.fontFiles,
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY
    },
    logLevel: 'off'
  })
  const image = resvg.render()
  const { width, height } = image
  if (options.format === 'png') return { data: image.asPng(), width, height }
  // The background option made every pixel opaque, so dropping alpha is exact.
  const encoded = jpeg.encode({ data: image.pixels, width, height }, options.quality ?? JPEG_QUALITY)
  return { data: encoded.data, width, height }
}
