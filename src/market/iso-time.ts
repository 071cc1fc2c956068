/**
 * The one reading of an ISO 8601 date or date-time in this project: request ranges, drawing anchors, CSV rows and the
 * Chart-IMG request body all use it, so both engines place the same text at the same instant. `Date.parse` alone
 * reads a zone-less date-time in the host's zone, and accepts impossible dates (2019-02-30) by rolling them over.
 */
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i

/** Whether `text` is a bare `YYYY-MM-DD`. */
export function isDateOnly (text: string): boolean {
  return DATE_ONLY.test(text.trim())
}

/** `YYYY-MM-DD` → 00:00 UTC; date-time with `T` or a space, with or without a zone (none = UTC). Undefined if invalid. */
export function parseIsoTime (input: string): number | undefined {
  const text = input.trim()
  const day = DATE_ONLY.exec(text)
  if (day !== null) return checkedUtc(+day[1], +day[2], +day[3], 0, 0, 0)
  const dt = DATE_TIME.exec(text)
  if (dt === null) return undefined
  const base = checkedUtc(+dt[1], +dt[2], +dt[3], +dt[4], +dt[5], dt[6] === undefined ? 0 : +dt[6])
  if (base === undefined) return undefined
  const ms = Date.parse(dt[7] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T'))
  return Number.isNaN(ms) ? undefined : ms
}

function checkedUtc (y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const date = new Date(ms)
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return undefined
  return ms
}
