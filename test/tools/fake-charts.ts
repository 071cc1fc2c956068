/**
 * A small in-memory chart service for the tool registry's own tests (no core, no HTTP): the real event bus carries its
 * progress events, and it returns a real (1×1) PNG. Its symbols are the fake engine's (test/support/fake-engine.ts).
 */
import type { ChartServiceApi, GenerateOptions, GenerateOutcome } from '../../src/chart/service-types.js'
import type { ChartRequest } from '../../src/chart/request.js'
import type { EventBus } from '../../src/events/bus.js'
import type { ChartStatus } from '../../src/events/types.js'
import { newChartRecord, type ChartRecord } from '../../src/history/types.js'
import { RED_PIXEL_PNG_BASE64 } from '../../src/mcp/fixtures/media.js'
import { TurnQueue } from '../../src/scheduling/turn-queue.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { isFakeSymbol, listFakeSymbols } from '../support/fake-engine.js'

export interface FakeCharts extends ChartServiceApi {
  /** Milliseconds each stage takes (default 20). */
  stageMs: number
}

/** One stage of a fake render; stops (rejects) when the call's signal aborts, as the real engines do. */
async function stage (ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, undefined, signal === undefined ? {} : { signal })
}

export function createFakeCharts (bus: EventBus): FakeCharts {
  const records = new Map<string, ChartRecord>()
  let n = 0
  const publish = async (record: ChartRecord, clientId: string | null, status: ChartStatus, extra: { processingTime?: number } = {}): Promise<void> => {
    await bus.publish({
      clientId,
      event: { type: 'chart_progress', requestId: record.requestId, message: `${record.request.symbol}: ${status}`, timestamp: new Date().toISOString(), ...extra, data: { symbol: record.request.symbol, status, engine: 'local' } }
    })
  }
  const service: FakeCharts = {
    engineName: 'local',
    turns: new TurnQueue(),
    stageMs: 20,
    async generate (request: ChartRequest, options: GenerateOptions): Promise<GenerateOutcome> {
      const requestId = `req_${Date.now()}_${(++n).toString(16).padStart(8, '0')}`
      const record = newChartRecord({ requestId, clientId: options.clientId, owner: options.owner, engine: 'local', request, createdAt: Date.now() })
      records.set(requestId, record)
      options.onAccepted?.(requestId)
      await publish(record, options.clientId, 'queued')
      await stage(service.stageMs, options.signal)
      record.status = 'rendering'
      record.startedAt = Date.now()
      await publish(record, options.clientId, 'rendering')
      await stage(service.stageMs, options.signal)
      if (!isFakeSymbol(request.symbol)) {
        record.status = 'failed'
        record.error = `Unknown symbol ${request.symbol}`
        record.completedAt = Date.now()
        await publish(record, options.clientId, 'failed', { processingTime: record.completedAt - record.createdAt })
        return { ok: false, record, message: record.error, code: 'UNKNOWN_SYMBOL' }
      }
      record.status = 'completed'
      record.completedAt = Date.now()
      record.processingTime = record.completedAt - record.createdAt
      record.mimeType = 'image/png'
      record.imageFile = `${requestId}.png`
      await publish(record, options.clientId, 'completed', { processingTime: record.processingTime })
      return { ok: true, record, image: { data: Buffer.from(RED_PIXEL_PNG_BASE64, 'base64'), mimeType: 'image/png' }, imageUrl: `http://127.0.0.1/charts/${requestId}.png`, notes: [], cached: false }
    },
    status: async (requestId) => records.get(requestId),
    recent: async (limit) => [...records.values()].reverse().slice(0, limit),
    listSymbols: async (query) => listFakeSymbols(query),
    imageUrl: (record) => record.imageFile === null ? null : `http://127.0.0.1/charts/${record.imageFile}`,
    readImage: async (record) => record.status === 'completed' ? Buffer.from(RED_PIXEL_PNG_BASE64, 'base64') : null
  }
  return service
}
