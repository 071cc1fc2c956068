/**
 * Text widths from the real DejaVu Sans metrics, for ECharts' server-side layout.
 *
 * Without a canvas, ECharts (zrender) estimates text width from a table made for Arial-like faces; DejaVu Sans is
 * about 10–15 % wider, so right-aligned labels, label boxes and legend pieces would be placed wrongly in the PNG.
 * `zrender` lets a platform supply `measureText`; no font-metrics library is installed, and reading advance widths
 * needs only three small TrueType tables (`head`, `hhea`/`hmtx`, `cmap` format 4 — Apple/Microsoft TrueType spec),
 * so it is done by hand here. Kerning is ignored (a sub-pixel effect at chart label sizes).
 */
import { readFileSync } from 'node:fs'

export interface FontMetrics {
  /** Advance width of a string at `fontSize` px. */
  width: (text: string, fontSize: number) => number
}

interface Table { offset: number, length: number }

export function readFontMetrics (path: string): FontMetrics {
  const buf = readFileSync(path)
  const tables = new Map<string, Table>()
  const numTables = buf.readUInt16BE(4)
  for (let i = 0; i < numTables; i++) {
    const record = 12 + i * 16
    tables.set(buf.toString('latin1', record, record + 4), { offset: buf.readUInt32BE(record + 8), length: buf.readUInt32BE(record + 12) })
  }
  const table = (tag: string): Table => {
    const t = tables.get(tag)
    if (t === undefined) throw new Error(`font ${path} has no ${tag} table`)
    return t
  }
  const unitsPerEm = buf.readUInt16BE(table('head').offset + 18)
  const numberOfHMetrics = buf.readUInt16BE(table('hhea').offset + 34)
  const hmtx = table('hmtx').offset
  const advanceOf = (glyph: number): number => buf.readUInt16BE(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1))
  const glyphOf = cmapFormat4(buf, table('cmap').offset)

  const cache = new Map<number, number>()
  const advance = (codePoint: number): number => {
    let value = cache.get(codePoint)
    if (value === undefined) {
      value = advanceOf(glyphOf(codePoint)) / unitsPerEm
      cache.set(codePoint, value)
    }
    return value
  }
  return {
    width (text, fontSize) {
      let em = 0
      for (const char of text) em += advance(char.codePointAt(0) ?? 0)
      return em * fontSize
    }
  }
}

/** Glyph lookup through the Unicode BMP subtable (platform 3 encoding 1, or platform 0), format 4. */
function cmapFormat4 (buf: Buffer, cmap: number): (codePoint: number) => number {
  const count = buf.readUInt16BE(cmap + 2)
  let sub = -1
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + i * 8
    const platform = buf.readUInt16BE(record)
    const encoding = buf.readUInt16BE(record + 2)
    const offset = cmap + buf.readUInt32BE(record + 4)
    if (buf.readUInt16BE(offset) !== 4) continue
    if ((platform === 3 && encoding === 1) || platform === 0) {
      sub = offset
      break
    }
  }
  if (sub < 0) return () => 0
  const segCount = buf.readUInt16BE(sub + 6) / 2
  const endCodes = sub + 14
  const startCodes = endCodes + segCount * 2 + 2
  const idDeltas = startCodes + segCount * 2
  const idRangeOffsets = idDeltas + segCount * 2
  return (codePoint) => {
    if (codePoint > 0xffff) return 0
    for (let s = 0; s < segCount; s++) {
      if (buf.readUInt16BE(endCodes + s * 2) < codePoint) continue
      const start = buf.readUInt16BE(startCodes + s * 2)
      if (start > codePoint) return 0
      const delta = buf.readInt16BE(idDeltas + s * 2)
      const rangeOffset = buf.readUInt16BE(idRangeOffsets + s * 2)
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff
      const glyph = buf.readUInt16BE(idRangeOffsets + s * 2 + rangeOffset + (codePoint - start) * 2)
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff
    }
    return 0
  }
}

/** Parses a CSS font shorthand as zrender writes it ("bold 12px DejaVu Sans") into size and weight. */
export function parseFont (font: string | undefined): { size: number, bold: boolean } {
  const text = font ?? ''
  const size = /(\d+(?:\.\d+)?)px/.exec(text)
  return { size: size === null ? 12 : Number(size[1]), bold: /\bbold(er)?\b|\b[6-9]00\b/.test(text) }
}
