/**
 * The font files resvg draws text with. resvg drops every glyph silently when it has no font, and its default
 * sans-serif maps to a serif face (shared/reference/stack.md), so the renderer always passes DejaVu Sans from the
 * `dejavu-fonts-ttf` npm package explicitly and never depends on system fonts.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export interface FontSet {
  regular: string
  bold: string
}

let cached: FontSet | null | undefined

/** DejaVu Sans regular and bold from `dejavu-fonts-ttf`, or null when the package or its files are missing. */
export function findFonts (): FontSet | null {
  if (cached !== undefined) return cached
  cached = null
  try {
    const require = createRequire(import.meta.url)
    const dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf')
    const fonts = { regular: join(dir, 'DejaVuSans.ttf'), bold: join(dir, 'DejaVuSans-Bold.ttf') }
    if (existsSync(fonts.regular) && existsSync(fonts.bold)) cached = fonts
  } catch {
    // Package not installed: callers report "no font file" (status) or fail the render with RENDER_FAILED.
  }
  return cached
}
