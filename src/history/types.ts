import type { ChartRequest } from '../chart/request.js'

export type RequestStatus = 'pending' | 'rendering' | 'completed' | 'failed'

/** One chart request as the history store keeps it (SQLite, or Redis when REDIS_URL is set; survives restarts). */
export interface ChartRecord {
  requestId: string
  /** The per-client channel the request's progress went to; null = broadcast. */
  clientId: string | null
  /** The principal that made the request; null in open mode. Only it can see the row and fetch the image. */
  owner: string | null
  engine: 'local' | 'chart-img'
  request: ChartRequest
  status: RequestStatus
  /** ms since epoch */
  createdAt: number
  startedAt: number | null
  completedAt: number | null
  processingTime: number | null
  error: string | null
  /** The image's name in the image store (DATA_DIR/charts, IMAGE_DIR or Redis); served at /charts/<imageFile>. */
  imageFile: string | null
  mimeType: string | null
  /** Chart-IMG storage mode: the hosted URL and its expiry. */
  remoteUrl: string | null
  expiresAt: string | null
  notes: string[]
}

/** A request just accepted: pending, nothing rendered yet. */
export function newChartRecord (init: Pick<ChartRecord, 'requestId' | 'clientId' | 'owner' | 'engine' | 'request' | 'createdAt'>): ChartRecord {
  return {
    ...init,
    status: 'pending',
    startedAt: null,
    completedAt: null,
    processingTime: null,
    error: null,
    imageFile: null,
    mimeType: null,
    remoteUrl: null,
    expiresAt: null,
    notes: []
  }
}

/**
 * Where chart images live: files in a directory (DATA_DIR/charts, or IMAGE_DIR shared by instances) or Redis.
 * Names are `<requestId>.<ext>`: an image never changes once saved.
 */
export interface ImageStore {
  /** Saves the whole image; a reader never sees half of it. */
  save: (file: string, data: Buffer) => Promise<void>
  /** The image's bytes, or null when it does not exist (never saved, or expired by retention). */
  read: (file: string) => Promise<Buffer | null>
  remove: (file: string) => Promise<void>
  /** A file:// URL of the image when it is a file on this machine (stdio names images so), else null. */
  fileUrl: (file: string) => string | null
}

/**
 * The chart request history every surface reads (status, recent requests, resources, image owners): SQLite in
 * DATA_DIR on one instance, Redis when REDIS_URL is set so every instance answers the same. Retention is bounded by
 * row count and age (HISTORY_MAX_ROWS, HISTORY_MAX_AGE_DAYS); pruning a row removes its image too.
 */
export interface HistoryStore {
  readonly images: ImageStore
  insert: (record: ChartRecord) => Promise<void>
  /** Applies the patch and returns the updated record (undefined when the id is unknown). */
  update: (requestId: string, patch: Partial<Omit<ChartRecord, 'requestId'>>) => Promise<ChartRecord | undefined>
  get: (requestId: string) => Promise<ChartRecord | undefined>
  /** Newest first, only `owner`'s rows (null: the rows of open mode, made without a principal). */
  recent: (limit: number, owner: string | null) => Promise<ChartRecord[]>
  /** Deletes rows (and their images) beyond the row cap or older than the age cap. Returns rows removed. */
  prune: (now?: number) => Promise<number>
  /** False when new charts cannot be recorded now (see `problem`). */
  isWritable: () => boolean
  /**
   * Why the store cannot take new charts now ("the server's disk is full (…)", "Redis is unreachable (…)"), from the
   * last probe; null when it can. Cheap: health checks may call it thousands of times a second.
   */
  problem: () => string | null
  close: () => Promise<void>
}

/**
 * The shared store (Redis) did not answer: the request was fine, the server's infrastructure is not. Its message is
 * shown to the caller as is (a tool error a model can act on), never as an internal error.
 */
export class SharedStoreUnavailableError extends Error {
  constructor (what: string, options: { cause?: unknown } = {}) {
    super(`The chart server's shared store (Redis) is unreachable, so it could not ${what}. This is not your request's fault; try again in a little while, and tell the user if it persists.`, options)
    this.name = 'SharedStoreUnavailableError'
  }
}

export function isSharedStoreUnavailable (error: unknown): error is SharedStoreUnavailableError {
  return error instanceof SharedStoreUnavailableError
}
