/**
 * Chart-IMG error answers → ChartError a person can act on.
 * Bodies are `{"message": …}` on v2/v3 and `{"error": …}` on v1 (shared/reference/chart-img-api.md, Errors).
 */
import { ChartError } from '../../chart/errors.js'
import type { PlanName } from './plan-limits.js'

const MAX_MESSAGE_CHARS = 300

/** Replaces every occurrence of the API key, so an upstream that echoes it cannot leak it into a message or log. */
export function redactKey (text: string, apiKey: string): string {
  if (apiKey.length === 0) return text
  return text.split(apiKey).join('[redacted]')
}

/** The human message in an upstream error body, or a short description of what came back instead. */
export function readUpstreamMessage (body: Buffer, contentType: string): string {
  const text = body.toString('utf8').trim()
  if (text === '') return ''
  if (/json/i.test(contentType) || text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed !== null && typeof parsed === 'object') {
        for (const key of ['message', 'error', 'detail']) {
          const value = (parsed as Record<string, unknown>)[key]
          if (typeof value === 'string' && value.trim() !== '') return clip(value.trim())
          if (value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
            return clip((value as { message: string }).message)
          }
        }
      }
    } catch {
      // not JSON after all: fall through to the text handling
    }
  }
  if (/html/i.test(contentType) || /^<(!doctype|html)/i.test(text)) {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim()
    return title !== undefined && title !== '' ? `an HTML page titled "${clip(title)}"` : 'an HTML page'
  }
  return clip(text.replace(/\s+/g, ' '))
}

export interface StatusErrorContext {
  status: number
  /** The upstream message, already redacted; may be empty. */
  upstreamMessage: string
  plan: PlanName
  /** What was asked, for messages that name it. */
  symbol?: string
  interval?: string
  path: string
  attempts: number
  retryAfterSeconds?: number
}

/** Maps a non-2xx answer to the ChartError the caller sees. */
export function statusError (context: StatusErrorContext): ChartError {
  const { status, upstreamMessage: message, plan, attempts } = context
  const said = message === '' ? `${status}` : `${status} ${message}`
  const tries = attempts > 1 ? ` after ${attempts} attempts` : ''

  if (status === 401 || (status === 403 && !/limit/i.test(message))) {
    return new ChartError('AUTH', `Chart-IMG rejected the API key (${said}). Check CHART_IMG_API_KEY.`)
  }
  if (status === 403) {
    // "Exceed Max Usage Resolution Limit (800x600)", "Exceed Max Usage Parameter Limit (5)": the account's plan is
    // smaller than CHART_IMG_PLAN says, or the limit changed upstream.
    return new ChartError('PLAN_LIMIT',
      `Chart-IMG refused the chart: ${message} (403). CHART_IMG_PLAN is ${plan}; if your account is on a smaller plan, ` +
      'set CHART_IMG_PLAN to it so requests are checked before they are sent, or ask for less.')
  }
  if (status === 422 && /symbol/i.test(message)) {
    const symbol = context.symbol === undefined ? 'the symbol' : `"${context.symbol}"`
    return new ChartError('UNKNOWN_SYMBOL',
      `Chart-IMG does not know ${symbol} (${said}). Use EXCHANGE:TICKER as TradingView spells it, e.g. NASDAQ:AAPL; ` +
      'list_symbols with an exchange shows the symbols Chart-IMG has.')
  }
  if (status === 422 && /interval/i.test(message)) {
    const interval = context.interval === undefined ? 'this interval' : `interval "${context.interval}"`
    return new ChartError('UNSUPPORTED_INTERVAL', `Chart-IMG cannot draw ${interval} for this chart (${said}). Try another interval, e.g. 1h or 1D.`)
  }
  if (status === 404) {
    return new ChartError('INVALID_REQUEST',
      `Chart-IMG has no route ${context.path} (${said}). Check CHART_IMG_BASE_URL; the API may have moved.`)
  }
  if (status === 429) {
    const after = context.retryAfterSeconds === undefined ? '' : ` Try again in ${context.retryAfterSeconds} s.`
    return new ChartError('RATE_LIMITED',
      `Chart-IMG rate limit reached (${said})${tries}.${after} The ${plan} plan's per-second or daily limit may be exhausted.`,
      { retryAfterSeconds: context.retryAfterSeconds })
  }
  if (status >= 500) {
    return new ChartError('UPSTREAM', `Chart-IMG failed (${said})${tries}. Try again later.`)
  }
  return new ChartError('INVALID_REQUEST', `Chart-IMG rejected the request (${said}).`)
}

function clip (text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
}
