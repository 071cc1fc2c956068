/**
 * Recognises PNG and JPEG bytes and reads their pixel size from the headers, so a render result reports what
 * Chart-IMG actually sent (and an HTML error page served as image/png is caught). Hand-written: two fixed header
 * layouts (PNG spec §11.2.2 IHDR; JPEG ITU T.81 §B.2.2 SOFn) do not justify a dependency.
 */

export interface ImageInfo {
  mimeType: 'image/png' | 'image/jpeg'
  width: number | null
  height: number | null
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The image type and size of `data`, or null when it is neither a PNG nor a JPEG. */
export function imageInfo (data: Buffer): ImageInfo | null {
  if (data.length >= 24 && data.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const isIhdr = data.toString('latin1', 12, 16) === 'IHDR'
    return { mimeType: 'image/png', width: isIhdr ? data.readUInt32BE(16) : null, height: isIhdr ? data.readUInt32BE(20) : null }
  }
  if (data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    return { mimeType: 'image/jpeg', ...jpegSize(data) }
  }
  return null
}

function jpegSize (data: Buffer): { width: number | null, height: number | null } {
  let offset = 2
  while (offset + 9 < data.length) {
    if (data[offset] !== 0xff) return { width: null, height: null }
    const marker = data[offset + 1]
    if (marker === 0xff) { offset += 1; continue } // fill byte
    const length = data.readUInt16BE(offset + 2)
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) }
    }
    offset += 2 + length
  }
  return { width: null, height: null }
}
