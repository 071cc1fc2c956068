/**
 * LRU of rendered images keyed by the normalised request and the symbol's data version, so an identical request is
 * answered without touching a worker and an edited data file never serves a stale picture. A Map keeps insertion
 * order, which is all an LRU needs (re-insert on hit, evict the first key); no dependency is worth it for that.
 */
import type { ChartRequest } from '../../chart/request.js'

export interface CachedImage {
  data: Buffer
  mimeType: 'image/png' | 'image/jpeg'
  width: number
  height: number
  notes: string[]
}

export class RenderCache {
  readonly #entries = new Map<string, CachedImage>()
  readonly #capacity: number

  constructor (capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity))
  }

  get size (): number {
    return this.#entries.size
  }

  get capacity (): number {
    return this.#capacity
  }

  get (key: string): CachedImage | undefined {
    const hit = this.#entries.get(key)
    if (hit === undefined) return undefined
    this.#entries.delete(key)
    this.#entries.set(key, hit)
    return hit
  }

  set (key: string, image: CachedImage): void {
    if (this.#capacity === 0) return
    this.#entries.delete(key)
    this.#entries.set(key, image)
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
  }

  clear (): void {
    this.#entries.clear()
  }
}

/** Stable key: the request with object keys sorted (input/override key order does not matter) plus the data version. */
export function renderCacheKey (request: ChartRequest, dataVersion: string): string {
  return `${dataVersion}\n${stableJson(request)}`
}

function stableJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
