/** Test helpers for the embedded renderer: requests, PNG header and pixels, JPEG markers. */
import { inflateSync } from 'node:zlib'
import { pino } from 'pino'
import { generateChartInput, normalizeChartRequest, type ChartRequest } from '../../src/chart/request.js'
import { createMarketCatalog, type MarketCatalog } from '../../src/market/catalog.js'

export function chartRequest (args: Record<string, unknown>): ChartRequest {
  return normalizeChartRequest(generateChartInput.parse(args), { storage: false })
}

let shared: MarketCatalog | undefined
/** One catalog per test process (bundled data only; read-only). */
export function bundledCatalog (): MarketCatalog {
  shared ??= createMarketCatalog({ log: pino({ level: 'silent' }) })
  return shared
}

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
export function pngSize (data: Buffer): { width: number, height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  if (!data.subarray(0, 8).equals(signature) || data.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG')
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) }
}

/** Width and height from a JPEG's SOF0/SOF2 segment; throws when the bytes are not a JPEG. */
export function jpegSize (data: Buffer): { width: number, height: number } {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('no JPEG SOI marker')
  let offset = 2
  while (offset < data.length) {
    if (data[offset] !== 0xff) throw new Error('bad JPEG segment')
    const marker = data[offset + 1]
    const length = data.readUInt16BE(offset + 2)
    if (marker === 0xc0 || marker === 0xc2) return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) }
    offset += 2 + length
  }
  throw new Error('no JPEG frame header')
}

/**
 * RGBA pixels of an 8-bit, non-interlaced RGBA or RGB PNG (what resvg writes). Hand-written because no PNG decoder
 * is installed; it follows the PNG spec's five scanline filters.
 */
export function decodePng (data: Buffer): { width: number, height: number, rgba: Uint8Array } {
  const { width, height } = pngSize(data)
  const colorType = data[25]
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0
  if (data[24] !== 8 || channels === 0 || data[28] !== 0) throw new Error('unsupported PNG layout')
  const idat: Buffer[] = []
  for (let offset = 8; offset < data.length;) {
    const length = data.readUInt32BE(offset)
    const type = data.toString('latin1', offset + 4, offset + 8)
    if (type === 'IDAT') idat.push(data.subarray(offset + 8, offset + 8 + length))
    offset += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const out = new Uint8Array(width * height * 4)
  let previous = new Uint8Array(stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1))
    const current = new Uint8Array(stride)
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? current[x - channels] : 0
      const b = previous[x]
      const c = x >= channels ? previous[x - channels] : 0
      let predictor = 0
      if (filter === 1) predictor = a
      else if (filter === 2) predictor = b
      else if (filter === 3) predictor = (a + b) >> 1
      else if (filter === 4) {
        const p = a + b - c
        const pa = Math.abs(p - a)
        const pb = Math.abs(p - b)
        const pc = Math.abs(p - c)
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
      }
      current[x] = (line[x] + predictor) & 0xff
    }
    for (let x = 0; x < width; x++) {
      out.set([current[x * channels], current[x * channels + 1], current[x * channels + 2], channels === 4 ? current[x * channels + 3] : 255], (y * width + x) * 4)
    }
    previous = current
  }
  return { width, height, rgba: out }
}

/** Pixels in a rectangle darker than `threshold` (luminance 0–255): text on the light theme. */
export function darkPixels (image: { width: number, rgba: Uint8Array }, box: { x: number, y: number, width: number, height: number }, threshold = 110): number {
  let count = 0
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * image.width + x) * 4
      const luminance = 0.299 * image.rgba[i] + 0.587 * image.rgba[i + 1] + 0.114 * image.rgba[i + 2]
      if (luminance < threshold) count++
    }
  }
  return count
}
