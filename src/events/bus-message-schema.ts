import { z } from 'zod'
import { CHART_STATUSES, ENGINE_NAMES, type BusMessage } from './types.js'

/**
 * Validates a BusMessage that crossed a process boundary (Redis). Objects are loose so an instance running a newer
 * version that adds fields does not get its messages dropped by an older one during a rolling deploy.
 */
const chartProgressEventSchema = z.looseObject({
  type: z.literal('chart_progress'),
  requestId: z.string(),
  message: z.string(),
  timestamp: z.string(),
  processingTime: z.number().optional(),
  data: z.looseObject({
    symbol: z.string(),
    // The lists the event type is made from: a status added there is accepted here too (else Redis would drop it).
    status: z.enum(CHART_STATUSES),
    engine: z.enum(ENGINE_NAMES).optional(),
    error: z.string().optional(),
    attempt: z.number().optional(),
    delayMs: z.number().optional(),
    imageUrl: z.string().optional()
  })
})

const busMessageSchema = z.object({
  clientId: z.string().nullable(),
  // Absent from an instance that predates owners: open mode (BusMessage.owner is optional).
  owner: z.string().nullable().optional(),
  event: chartProgressEventSchema,
  // Absent from an instance that does not number events (BusMessage.seq).
  seq: z.number().int().nonnegative().optional()
})

/** Parses a JSON text into a BusMessage; returns an error text a person can act on instead of throwing. */
export function parseBusMessage (text: string): { ok: true, message: BusMessage } | { ok: false, error: string } {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, error: 'not JSON' }
  }
  const parsed = busMessageSchema.safeParse(json)
  if (!parsed.success) {
    return { ok: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') }
  }
  return { ok: true, message: parsed.data }
}
