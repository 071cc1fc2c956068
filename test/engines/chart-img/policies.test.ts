import t from 'tap'
import { ChartError } from '../../../src/chart/errors.js'
import { PLAN_LIMITS, assertUnderDailyCap, assertWithinPlan, nextUtcMidnight, utcDay } from '../../../src/engines/chart-img/plan-limits.js'
import { backoffDelay, isRetryableNetworkError, networkErrorCode, parseRetryAfter } from '../../../src/engines/chart-img/retry-policy.js'
import { readUpstreamMessage, redactKey, statusError } from '../../../src/engines/chart-img/upstream-errors.js'

t.test('plan table matches the reference', async (t) => {
  t.match(PLAN_LIMITS.BASIC, { ratePerSecond: 1, burst: 3, perDay: 50, maxWidth: 800, maxHeight: 600, maxParameters: 3 })
  t.match(PLAN_LIMITS.PRO, { ratePerSecond: 10, burst: 15, perDay: 500, maxWidth: 1920, maxHeight: 1080, maxParameters: 5 })
  t.match(PLAN_LIMITS.MEGA, { ratePerSecond: 15, burst: 25, perDay: 1000, maxWidth: 1920, maxHeight: 1600, maxParameters: 10 })
  t.match(PLAN_LIMITS.ULTRA, { ratePerSecond: 35, burst: 50, perDay: 3000, maxWidth: 2048, maxHeight: 1920, maxParameters: 25 })
  t.match(PLAN_LIMITS.ENTERPRISE, { perDay: null, maxWidth: 2048, maxHeight: 1920, maxParameters: 50 })
})

t.test('assertWithinPlan', async (t) => {
  const ok = { width: 1920, height: 1080, studies: [], drawings: [] }
  t.doesNotThrow(() => assertWithinPlan('PRO', ok))
  t.throws(() => assertWithinPlan('PRO', { ...ok, height: 1081 }), { code: 'PLAN_LIMIT', message: /PRO plan allows at most 1920x1080; asked 1920x1081/ })
  const six = Array.from({ length: 6 }, () => ({ name: 'MACD' }))
  t.throws(() => assertWithinPlan('PRO', { ...ok, studies: six }), { message: /at most 5 studies and drawings together; asked 6 \(6 studies, 0 drawings\)\. Remove 1/ })
  t.doesNotThrow(() => assertWithinPlan('MEGA', { ...ok, studies: six }))
})

t.test('daily cap and UTC days', async (t) => {
  const at = Date.parse('2026-05-01T23:59:30Z')
  t.equal(utcDay(at), '2026-05-01')
  t.equal(new Date(nextUtcMidnight(at)).toISOString(), '2026-05-02T00:00:00.000Z')
  t.doesNotThrow(() => assertUnderDailyCap('PRO', 499, at))
  t.throws(() => assertUnderDailyCap('PRO', 500, at), { code: 'PLAN_LIMIT', retryAfterSeconds: 30, message: /resets at 2026-05-02T00:00:00\.000Z \(in 30 s\)/ })
  t.doesNotThrow(() => assertUnderDailyCap('ENTERPRISE', 1e6, at))
})

t.test('Retry-After parsing', async (t) => {
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(parseRetryAfter(null, now), null)
  t.equal(parseRetryAfter('', now), null)
  t.equal(parseRetryAfter('0', now), 0)
  t.equal(parseRetryAfter(' 12 ', now), 12_000)
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now), 60_000)
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now), 0, 'a past date means now')
  t.equal(parseRetryAfter('soon', now), null)
  t.equal(parseRetryAfter('-5', now), null)
})

t.test('backoff grows exponentially with jitter, capped', async (t) => {
  t.equal(backoffDelay(1, undefined, () => 0), 250)
  t.equal(backoffDelay(1, undefined, () => 1), 500)
  t.equal(backoffDelay(3, undefined, () => 1), 2000)
  t.equal(backoffDelay(10, undefined, () => 1), 8000)
  t.equal(backoffDelay(10, undefined, () => 0), 4000)
})

t.test('network error classification looks through causes', async (t) => {
  const wrap = (code: string): Error => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })
  t.equal(networkErrorCode(wrap('ECONNRESET')), 'ECONNRESET')
  t.ok(isRetryableNetworkError(wrap('ECONNRESET')))
  t.ok(isRetryableNetworkError(wrap('ECONNREFUSED')))
  t.ok(isRetryableNetworkError(wrap('UND_ERR_SOCKET')))
  t.notOk(isRetryableNetworkError(wrap('ENOTFOUND')), 'a wrong host name does not fix itself')
  t.notOk(isRetryableNetworkError(wrap('CERT_HAS_EXPIRED')))
  t.ok(isRetryableNetworkError(new TypeError('terminated')))
  t.notOk(isRetryableNetworkError(new Error('other')))
})

t.test('upstream messages: {message}, {error}, text, HTML', async (t) => {
  const json = 'application/json'
  t.equal(readUpstreamMessage(Buffer.from('{"message":"Invalid Symbol"}'), json), 'Invalid Symbol')
  t.equal(readUpstreamMessage(Buffer.from('{"error":"Invalid API Key"}'), json), 'Invalid API Key')
  t.equal(readUpstreamMessage(Buffer.from('{"error":{"message":"nested"}}'), json), 'nested')
  t.equal(readUpstreamMessage(Buffer.from(''), json), '')
  t.equal(readUpstreamMessage(Buffer.from('plain\n  text'), 'text/plain'), 'plain text')
  t.equal(readUpstreamMessage(Buffer.from('<!DOCTYPE html><html><title>502 Bad Gateway</title>'), 'text/html'), 'an HTML page titled "502 Bad Gateway"')
  t.equal(readUpstreamMessage(Buffer.from('x'.repeat(1000)), 'text/plain').length, 301)
  t.equal(redactKey('key abc and abc', 'abc'), 'key [redacted] and [redacted]')
})

t.test('status → ChartError mapping', async (t) => {
  const base = { plan: 'BASIC' as const, path: '/v2/tradingview/advanced-chart', attempts: 1 }
  const map = (status: number, upstreamMessage: string): ChartError => statusError({ ...base, status, upstreamMessage, symbol: 'X:Y', interval: '1h' })
  t.match(map(401, ''), { code: 'AUTH', message: 'Chart-IMG rejected the API key (401). Check CHART_IMG_API_KEY.' })
  t.match(map(403, 'Invalid API Key'), { code: 'AUTH' })
  t.match(map(403, 'Exceed Max Usage Resolution Limit (800x600)'), { code: 'PLAN_LIMIT', message: /Exceed Max Usage Resolution Limit \(800x600\)/ })
  t.match(map(403, 'Exceed Max Usage Parameter Limit (5)'), { code: 'PLAN_LIMIT' })
  t.match(map(422, 'Invalid Symbol'), { code: 'UNKNOWN_SYMBOL', message: /"X:Y"/ })
  t.match(map(422, 'Invalid Interval'), { code: 'UNSUPPORTED_INTERVAL', message: /"1h"/ })
  t.match(map(422, '"foo" is not allowed'), { code: 'INVALID_REQUEST' })
  t.match(map(400, 'Bad'), { code: 'INVALID_REQUEST' })
  t.match(map(409, 'Conflict'), { code: 'INVALID_REQUEST', message: /409 Conflict/ })
  t.match(map(429, 'Limit Exceeded'), { code: 'RATE_LIMITED' })
  t.match(map(500, 'Something Went Wrong'), { code: 'UPSTREAM' })
  t.match(map(503, ''), { code: 'UPSTREAM' })
})
