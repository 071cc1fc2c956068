import type { ChartRequest } from '../chart/request.js'

export type RequestStatus = 'pending' | 'rendering' | 'completed' | 'failed'

/** One chart request as the history store keeps it (SQLite, survives restarts). */
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
  /** File name under DATA_DIR/charts (the image is served at /charts/<imageFile>). */
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
