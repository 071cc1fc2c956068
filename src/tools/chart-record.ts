import type { ChartRecord } from '../history/types.js'

/** What a model needs to know about one chart request, in one flat object (tools and chart resources share it). */
export function describeRecord (record: ChartRecord, imageUrl: string | null): Record<string, unknown> {
  const { request } = record
  return {
    requestId: record.requestId,
    status: record.status,
    symbol: request.symbol,
    interval: request.interval,
    style: request.style,
    size: `${request.width}x${request.height}`,
    format: request.format,
    engine: record.engine,
    createdAt: new Date(record.createdAt).toISOString(),
    startedAt: record.startedAt === null ? null : new Date(record.startedAt).toISOString(),
    completedAt: record.completedAt === null ? null : new Date(record.completedAt).toISOString(),
    processingTime: record.processingTime,
    error: record.error,
    imageUrl,
    expiresAt: record.expiresAt,
    notes: record.notes
  }
}
