/**
 * Chart-IMG plan limits and the checks that refuse a request before it spends a call.
 * Source: the plan table in shared/reference/chart-img-api.md (doc.chart-img.com pricing/limits).
 */
import { ChartError } from '../../chart/errors.js'
import type { ChartRequest } from '../../chart/request.js'
import type { PLANS } from '../../config.js'

export type PlanName = typeof PLANS[number]

export interface PlanLimits {
  /** Sustained requests per second Chart-IMG allows. */
  ratePerSecond: number
  /** Requests allowed back to back before the per-second limit applies. */
  burst: number
  /** Requests per UTC day; null when the plan has no fixed cap we can know (ENTERPRISE is "5,000+"). */
  perDay: number | null
  maxWidth: number
  maxHeight: number
  /** Studies and drawings together. */
  maxParameters: number
  /** How long Chart-IMG keeps a stored image. */
  storageDays: number
}

// ENTERPRISE is sold as "35+ req/s, 50+ burst, 5,000+ per day": we throttle at the documented floor (always safe),
// but do not refuse at 5,000 a day, because that floor may be far below the customer's contract; Chart-IMG's own
// 429 tells the truth there.
export const PLAN_LIMITS: Record<PlanName, PlanLimits> = {
  BASIC: { ratePerSecond: 1, burst: 3, perDay: 50, maxWidth: 800, maxHeight: 600, maxParameters: 3, storageDays: 14 },
  PRO: { ratePerSecond: 10, burst: 15, perDay: 500, maxWidth: 1920, maxHeight: 1080, maxParameters: 5, storageDays: 30 },
  MEGA: { ratePerSecond: 15, burst: 25, perDay: 1000, maxWidth: 1920, maxHeight: 1600, maxParameters: 10, storageDays: 60 },
  ULTRA: { ratePerSecond: 35, burst: 50, perDay: 3000, maxWidth: 2048, maxHeight: 1920, maxParameters: 25, storageDays: 90 },
  ENTERPRISE: { ratePerSecond: 35, burst: 50, perDay: null, maxWidth: 2048, maxHeight: 1920, maxParameters: 50, storageDays: 120 }
}

const LARGER_PLAN_HINT = 'or set CHART_IMG_PLAN if your plan is larger.'

/** Throws PLAN_LIMIT when the request needs more than the plan gives (resolution, studies + drawings). */
export function assertWithinPlan (plan: PlanName, request: Pick<ChartRequest, 'width' | 'height' | 'studies' | 'drawings'>): void {
  const limits = PLAN_LIMITS[plan]
  if (request.width > limits.maxWidth || request.height > limits.maxHeight) {
    throw new ChartError('PLAN_LIMIT',
      `${plan} plan allows at most ${limits.maxWidth}x${limits.maxHeight}; asked ${request.width}x${request.height}. ` +
      `Use width ≤ ${limits.maxWidth} and height ≤ ${limits.maxHeight}, ${LARGER_PLAN_HINT}`)
  }
  const studies = request.studies.length
  const drawings = request.drawings.length
  const parameters = studies + drawings
  if (parameters > limits.maxParameters) {
    throw new ChartError('PLAN_LIMIT',
      `${plan} plan allows at most ${limits.maxParameters} studies and drawings together; asked ${parameters} ` +
      `(${plural(studies, 'study', 'studies')}, ${plural(drawings, 'drawing', 'drawings')}). ` +
      `Remove ${parameters - limits.maxParameters}, ${LARGER_PLAN_HINT}`)
  }
}

/** The UTC day a request counts against, as YYYY-MM-DD. */
export function utcDay (nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10)
}

/** Throws PLAN_LIMIT when today's count has reached the plan's daily cap, saying when the count resets. */
export function assertUnderDailyCap (plan: PlanName, usedToday: number, nowMs: number): void {
  const cap = PLAN_LIMITS[plan].perDay
  if (cap === null || usedToday < cap) return
  const resetMs = nextUtcMidnight(nowMs)
  const seconds = Math.max(1, Math.ceil((resetMs - nowMs) / 1000))
  throw new ChartError('PLAN_LIMIT',
    `${plan} plan allows ${cap} Chart-IMG requests per day; ${usedToday} used today (UTC). ` +
    `The count resets at ${new Date(resetMs).toISOString()} (in ${formatDuration(seconds)}), ${LARGER_PLAN_HINT}`,
    { retryAfterSeconds: seconds })
}

export function nextUtcMidnight (nowMs: number): number {
  const d = new Date(nowMs)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)
}

function formatDuration (seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  if (h > 0) return `${h} h ${m} min`
  if (m > 0) return `${m} min`
  return `${seconds} s`
}

function plural (n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`
}
