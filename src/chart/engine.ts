/**
 * The one interface both chart engines implement: the Chart-IMG REST client and the embedded renderer.
 * The chart service (src/chart/service.ts) talks only to this interface.
 */
import type { ChartRequest, Interval, Style } from './request.js'

/**
 * A stage an engine reports while it works; the chart service turns each into a `chart_progress` event.
 * `requesting` is a call to an upstream service: Chart-IMG, or a market-data provider ("Fetching data from Binance: …").
 */
export interface RenderStage {
  status: 'queued' | 'requesting' | 'retrying' | 'rendering'
  message: string
  attempt?: number
  delayMs?: number
}

export interface RenderContext {
  /** Aborted when the caller gives up (client cancelled, server closing). Engines must stop work and reject. */
  signal: AbortSignal
  /** Called for each real stage of the work; never throws. */
  onStage: (stage: RenderStage) => void
}

export type RenderResult =
  | {
    kind: 'image'
    mimeType: 'image/png' | 'image/jpeg'
    data: Buffer
    width: number
    height: number
    /** Things the engine could not draw as asked, said plainly (e.g. "Stochastic RSI is not drawn by the embedded engine"). */
    notes: string[]
    /** True when served from the engine's cache of rendered images. */
    cached?: boolean
  }
  | {
    /** Chart-IMG storage mode: the image lives on Chart-IMG's storage. */
    kind: 'stored'
    url: string
    expiresAt: string | null
    etag?: string
    size?: number
    notes: string[]
  }

export interface SymbolInfo {
  /** `EXCHANGE:TICKER` */
  symbol: string
  exchange: string
  ticker: string
  description?: string
  /** Intervals this engine can draw for the symbol. */
  intervals: Interval[]
  /** First and last bar dates (ISO 8601) when known. */
  from?: string
  to?: string
  /** What the data holds: full candles with volume, candles without volume, or closes only. */
  fields?: 'ohlcv' | 'ohlc' | 'close'
  /** Styles the data can draw, when the engine knows (close-only data: line, area, baseline, column). */
  styles?: Style[]
  /** Where the data comes from (dataset, file name, market-data provider, or "chart-img"). */
  source: string
  /** For provider symbols: how far back the provider's data goes and its request limits. */
  horizon?: string
}

export interface SymbolQuery {
  exchange?: string
  query?: string
  limit?: number
}

export interface SymbolListing {
  symbols: SymbolInfo[]
  /** Total matches before `limit` was applied. */
  total: number
  /** Problems a user should know about, e.g. "MYEX_FOO.csv line 12: high is below low" — never fatal. */
  problems: string[]
}

export interface EngineStatus {
  /** True when this engine can render right now. */
  ready: boolean
  detail: string
  /** Set when the engine can render but something it depends on looks wrong (e.g. Chart-IMG unreachable): health is `degraded`. */
  problem?: string
}

export interface ChartEngine {
  readonly name: 'local' | 'chart-img'
  /** Renders a chart. Rejects with ChartError for anything the user can act on. */
  render: (request: ChartRequest, context: RenderContext) => Promise<RenderResult>
  listSymbols: (query: SymbolQuery) => Promise<SymbolListing>
  status: () => Promise<EngineStatus>
  /**
   * Shutdown has begun: refuse new renders and those waiting for their turn (they reject with BUSY and the
   * shutting-down message); renders already running go on. Optional: an engine without a queue needs nothing here.
   */
  drain?: () => void
  /** Releases workers, timers, sockets and watchers. Idempotent. */
  close: () => Promise<void>
}
