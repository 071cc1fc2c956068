import type { ChartErrorCode } from './errors.js'
import type { ChartRequest } from './request.js'
import type { ChartRecord } from '../history/types.js'
import type { SymbolListing, SymbolQuery } from './engine.js'
import type { TurnQueue } from '../scheduling/turn-queue.js'

export interface GenerateOptions {
  /** Routes progress to this client's channel; null broadcasts (seed 004 behaviour for anonymous callers). */
  clientId: string | null
  /** The principal making the request (null in open mode): it owns the history row, the image and the events. */
  owner: string | null
  signal?: AbortSignal
  /** Called with the requestId as soon as it exists (before rendering), e.g. to subscribe to its progress. */
  onAccepted?: (requestId: string) => void
}

/**
 * Why a chart failed: the engine's codes (src/chart/errors.ts) and the server's own: `SHARED_STORE` Redis
 * unreachable, `STORAGE` the disk or image store failed, `SHUT_DOWN` stopped by the server's shutdown, `INTERNAL` a bug
 * (logged). Surfaces that answer with a status (the image route) say from it whose fault it was.
 */
export type ChartFailureCode = ChartErrorCode | 'SHARED_STORE' | 'STORAGE' | 'SHUT_DOWN' | 'INTERNAL'

export interface ChartFailure {
  /** Said so a person or a model can act on it. */
  message: string
  code: ChartFailureCode
  /** Seconds after which trying again may work. */
  retryAfterSeconds?: number
}

export type GenerateOutcome =
  | { ok: true, record: ChartRecord, image: { data: Buffer, mimeType: 'image/png' | 'image/jpeg' } | null, imageUrl: string | null, notes: string[], cached: boolean }
  | ({ ok: false, record: ChartRecord } & ChartFailure)

export interface ChartServiceApi {
  readonly engineName: 'local' | 'chart-img'
  /**
   * One event-loop turn per unit of synchronous chart work (accepting a request, preparing its data), so a burst of
   * requests never holds timers and other sockets back for long. Callers that do synchronous work before
   * `generate` (parsing and validating a tool call) take their turn here first.
   */
  readonly turns: TurnQueue
  generate: (request: ChartRequest, options: GenerateOptions) => Promise<GenerateOutcome>
  /** The record, if `owner` made it: another principal's request answers undefined, as an unknown one does. */
  status: (requestId: string, owner: string | null) => Promise<ChartRecord | undefined>
  /** `owner`'s most recent requests, newest first. */
  recent: (limit: number, owner: string | null) => Promise<ChartRecord[]>
  listSymbols: (query: SymbolQuery) => Promise<SymbolListing>
  /** Absolute URL of a stored image: PUBLIC_BASE_URL or http://HOST:PORT, or file:// when no HTTP server runs (stdio). */
  imageUrl: (record: ChartRecord) => string | null
  /** The stored image bytes of a completed local render, or null (none, expired by retention, or stored remotely). */
  readImage: (record: ChartRecord) => Promise<Buffer | null>
}

/** The service as the process owns it: the API every surface uses, plus shutdown (src/core.ts). */
export interface ChartService extends ChartServiceApi {
  /**
   * Graceful shutdown, step by step: new charts are refused at once (SHUTTING_DOWN_MESSAGE), renders that have not started
   * are refused by the engine, running ones go on until `deadlineMs`; past it they are aborted, and every caller
   * still gets its outcome before this resolves.
   */
  drain: (deadlineMs: number) => Promise<{ finished: number, aborted: number }>
}
