/**
 * A fake Chart-IMG API on 127.0.0.1 that checks requests the way the real one does
 * (shared/reference/chart-img-api.md): v2 POST routes with `x-api-key`, 422 for unknown body fields, bad symbols
 * and intervals, 403 for plan limits, v3 exchange listings under `payload`. Tests script failures for the next
 * calls (429 with or without Retry-After, 500, 504, a response that never comes, a reset connection) and read every
 * request it received (the key's value is never recorded).
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32, deflateSync } from 'node:zlib'
import jpeg from 'jpeg-js'

export type FakePlan = 'BASIC' | 'PRO' | 'MEGA' | 'ULTRA' | 'ENTERPRISE'

// The fake's own copy of Chart-IMG's plan table (not the engine's), so a wrong engine table is caught.
const FAKE_PLANS: Record<FakePlan, { width: number, height: number, parameters: number, rate: number, burst: number }> = {
  BASIC: { width: 800, height: 600, parameters: 3, rate: 1, burst: 3 },
  PRO: { width: 1920, height: 1080, parameters: 5, rate: 10, burst: 15 },
  MEGA: { width: 1920, height: 1600, parameters: 10, rate: 15, burst: 25 },
  ULTRA: { width: 2048, height: 1920, parameters: 25, rate: 35, burst: 50 },
  ENTERPRISE: { width: 2048, height: 1920, parameters: 50, rate: 35, burst: 50 }
}

// doc.chart-img.com v2 advanced-chart body fields; anything else is answered with 422.
const V2_FIELDS = new Set(['symbol', 'interval', 'width', 'height', 'style', 'theme', 'scale', 'session', 'timezone',
  'format', 'range', 'override', 'studies', 'drawings', 'shiftLeft', 'shiftRight'])
const STUDY_FIELDS = new Set(['name', 'input', 'override', 'forceOverlay'])
const DRAWING_FIELDS = new Set(['name', 'input', 'override'])
export const FAKE_INTERVALS = ['1m', '3m', '5m', '15m', '30m', '45m', '1h', '2h', '3h', '4h', '6h', '12h', '1D', '1W', '1M']
const STYLES = new Set(['candle', 'bar', 'line', 'area', 'heikinAshi', 'hollowCandle', 'baseline', 'hiLo', 'column'])
const RANGES = new Set(['1D', '5D', '1M', '3M', '6M', '1Y', '5Y', 'ALL'])

export const DEFAULT_EXCHANGES: unknown[] = [
  { exchange: 'NASDAQ', description: 'Nasdaq Stock Market' },
  { exchange: 'NYSE', description: 'New York Stock Exchange' },
  { exchange: 'BINANCE', description: 'Binance' },
  { exchange: 'SP', description: 'S&P Dow Jones Indices' }
]
export const DEFAULT_SYMBOLS: Record<string, unknown[]> = {
  NASDAQ: [
    { symbol: 'AAPL', description: 'Apple Inc.' },
    { symbol: 'MSFT', description: 'Microsoft Corporation' },
    { symbol: 'AMZN', description: 'Amazon.com, Inc.' },
    { symbol: 'AAL', description: 'American Airlines Group Inc.' }
  ],
  NYSE: [{ symbol: 'IBM', description: 'International Business Machines' }],
  BINANCE: ['BINANCE:BTCUSDT', 'BINANCE:ETHUSDT', 'BINANCE:BTCUSDT.P'],
  SP: [{ symbol: 'SPX', description: 'S&P 500' }]
}

export type ScriptedReply =
  | { kind: 'status', status: number, message?: string, headers?: Record<string, string> }
  | { kind: 'raw', status?: number, contentType: string, body: string | Buffer }
  | { kind: 'hang' }
  | { kind: 'reset' }
  /** A 200 body sent in `count` chunks of `chunk` without Content-Length (chunked), e.g. an oversized image. */
  | { kind: 'stream', contentType: string, chunk: Buffer, count: number }
  /** A 200 that announces `declaredBytes` and sends `body` only, then cuts the connection (a truncated body). */
  | { kind: 'truncated', contentType: string, body: Buffer, declaredBytes: number }

export interface FakeChartImgOptions {
  apiKey?: string
  /** The account's plan: resolution, parameter and (when enforced) rate limits. Default ULTRA. */
  plan?: FakePlan
  /** Status for a missing or wrong key: 403 per the doc, 401 per a third-party description. Default 403. */
  authFailureStatus?: 401 | 403
  /** Intervals accepted (default all v2 intervals). */
  intervals?: string[]
  exchanges?: unknown[]
  symbols?: Record<string, unknown[]>
  /** Name of the expiry field in storage answers (both are seen in the wild). Default expireAt. */
  storageExpiryField?: 'expireAt' | 'expire'
  /** Answer 429 when requests exceed the plan's rate and burst. Default false. */
  enforceRateLimit?: boolean
  /** Answer 429 "Limit Exceeded" after this many successful requests. Default none. */
  dailyCap?: number
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  /** Lower-case header names; `x-api-key` and `authorization` values replaced with "[redacted]". */
  headers: Record<string, string>
  key: 'valid' | 'invalid' | 'missing'
  /** Parsed JSON body, or the raw text when it is not JSON, or undefined when empty. */
  body: unknown
  /** What the fake answered ('hang', 'reset' and 'truncated' for scripted non-answers). */
  status: number | 'hang' | 'reset' | 'truncated'
}

export interface FakeChartImg {
  readonly url: string
  readonly apiKey: string
  readonly requests: RecordedRequest[]
  /** Keyless `HEAD /` reachability probes (src/engines/chart-img/reachability.ts); not in `requests`. */
  readonly probes: number
  /** Replies for the next calls, one per call, before any checking. */
  script: (...replies: ScriptedReply[]) => void
  /** Drops scripted replies no call used; returns how many there were. */
  unscript: () => number
  set: (options: Partial<Omit<FakeChartImgOptions, 'apiKey'>>) => void
  close: () => Promise<void>
}

export async function startFakeChartImg (options: FakeChartImgOptions = {}): Promise<FakeChartImg> {
  const apiKey = options.apiKey ?? 'fake-key-0123456789abcdef'
  const settings: Required<Omit<FakeChartImgOptions, 'apiKey' | 'dailyCap'>> & { dailyCap?: number } = {
    plan: 'ULTRA',
    authFailureStatus: 403,
    intervals: FAKE_INTERVALS,
    exchanges: DEFAULT_EXCHANGES,
    symbols: DEFAULT_SYMBOLS,
    storageExpiryField: 'expireAt',
    enforceRateLimit: false,
    ...options
  }
  const requests: RecordedRequest[] = []
  const scripted: ScriptedReply[] = []
  const bucket = { tokens: FAKE_PLANS[settings.plan].burst, at: performance.now() }
  let served = 0
  let nextId = 1

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: `fake error: ${String(error)}` })
      else res.destroy()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let probes = 0
  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'HEAD' && req.url === '/') {
      probes++
      res.writeHead(404).end()
      return
    }
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    const target = new URL(req.url ?? '/', url)
    const providedKey = headerValue(req, 'x-api-key') ?? bearer(req) ?? target.searchParams.get('key') ?? undefined
    const query = Object.fromEntries([...target.searchParams].filter(([k]) => k !== 'key'))
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: target.pathname,
      query,
      headers: recordHeaders(req),
      key: providedKey === undefined ? 'missing' : providedKey === apiKey ? 'valid' : 'invalid',
      body: raw === '' ? undefined : parseJson(raw) ?? raw,
      status: 0
    }
    requests.push(record)
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status
      sendJson(res, status, body, headers)
    }

    const next = scripted.shift()
    if (next !== undefined) {
      if (next.kind === 'hang') { record.status = 'hang'; return }
      if (next.kind === 'reset') { record.status = 'reset'; req.socket.destroy(); return }
      if (next.kind === 'stream') {
        record.status = 200
        res.writeHead(200, { 'content-type': next.contentType })
        for (let i = 0; i < next.count && !res.destroyed; i++) {
          // Honour backpressure: the client may stop reading (and cut the socket) after a few chunks.
          if (!res.write(next.chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve) })
        }
        res.end()
        return
      }
      if (next.kind === 'truncated') {
        record.status = 'truncated'
        res.writeHead(200, { 'content-type': next.contentType, 'content-length': String(next.declaredBytes) })
        res.write(next.body, () => { req.socket.destroy() })
        return
      }
      if (next.kind === 'raw') {
        record.status = next.status ?? 200
        res.writeHead(record.status, { 'content-type': next.contentType }).end(next.body)
        return
      }
      reply(next.status, { message: next.message ?? defaultMessage(next.status) }, next.headers)
      return
    }

    const path = target.pathname
    const isV2Chart = path === '/v2/tradingview/advanced-chart' || path === '/v2/tradingview/advanced-chart/storage'
    const isV1 = /^\/v1\/tradingview\/(advanced-chart|mini-chart)(\/storage)?$/.test(path)
    const v3Exchange = /^\/v3\/tradingview\/exchange\/([^/]+)$/.exec(path)

    if (isV1 && req.method === 'GET') {
      // v1: GET with key in the query or a bearer token; errors as {"error": …}.
      if (record.key !== 'valid') { reply(settings.authFailureStatus, { error: 'Invalid API Key' }); return }
      sendImage(res, record, 'png', 800, 600)
      return
    }
    if (!((isV2Chart && req.method === 'POST') || (v3Exchange !== null && req.method === 'GET'))) {
      // Includes POST to a v1 route and the non-existent /v3/exchanges.
      reply(404, { message: 'Not Found' })
      return
    }
    // v2 takes the key only as the x-api-key header; v3 GET also takes ?key=.
    const keyOk = isV2Chart ? headerValue(req, 'x-api-key') === apiKey : record.key === 'valid'
    if (!keyOk) { reply(settings.authFailureStatus, { message: 'Invalid API Key' }); return }
    if (limited()) { reply(429, { message: 'Limit Exceeded' }); return }

    if (v3Exchange !== null) {
      const exchange = decodeURIComponent(v3Exchange[1])
      if (exchange === 'list') { served++; reply(200, { payload: settings.exchanges }); return }
      const items = settings.symbols[exchange]
      if (items === undefined) { reply(422, { message: 'Invalid Exchange' }); return }
      const filter = target.searchParams.get('symbol')?.toLowerCase()
      served++
      reply(200, { payload: filter === undefined ? items : items.filter((item) => JSON.stringify(item).toLowerCase().includes(filter)) })
      return
    }

    if (typeof record.body !== 'object' || record.body === null || Array.isArray(record.body)) {
      reply(400, { message: 'Invalid JSON body' })
      return
    }
    const body = record.body as Record<string, unknown>
    const invalid = validateBody(body)
    if (invalid !== null) { reply(invalid.status, { message: invalid.message }); return }
    const plan = FAKE_PLANS[settings.plan]
    const width = (body.width as number | undefined) ?? 800
    const height = (body.height as number | undefined) ?? 600
    if (width > plan.width || height > plan.height) {
      reply(403, { message: `Exceed Max Usage Resolution Limit (${plan.width}x${plan.height})` })
      return
    }
    const parameters = arrayLength(body.studies) + arrayLength(body.drawings)
    if (parameters > plan.parameters) {
      reply(403, { message: `Exceed Max Usage Parameter Limit (${plan.parameters})` })
      return
    }
    served++
    const format = body.format === 'jpeg' ? 'jpeg' : 'png'
    if (path.endsWith('/storage')) {
      const id = nextId++
      const image = imageBytes(format, width, height)
      const createdAt = new Date()
      const expires = new Date(createdAt.getTime() + 14 * 86_400_000).toISOString()
      reply(200, {
        url: `${url}/storage/${id}.${format === 'jpeg' ? 'jpg' : 'png'}`,
        etag: `"etag-${id}"`,
        [settings.storageExpiryField]: expires,
        size: image.length,
        createdAt: createdAt.toISOString()
      })
      return
    }
    sendImage(res, record, format, width, height)
  }

  function validateBody (body: Record<string, unknown>): { status: number, message: string } | null {
    for (const key of Object.keys(body)) {
      if (!V2_FIELDS.has(key)) return { status: 422, message: `"${key}" is not allowed` }
    }
    if (typeof body.symbol !== 'string' || !isKnownSymbol(body.symbol)) return { status: 422, message: 'Invalid Symbol' }
    if (body.interval !== undefined && !settings.intervals.includes(body.interval as string)) return { status: 422, message: 'Invalid Interval' }
    for (const key of ['width', 'height']) {
      if (body[key] !== undefined && !(Number.isInteger(body[key]) && (body[key] as number) > 0)) return { status: 422, message: `"${key}" must be a positive integer` }
    }
    if (body.style !== undefined && !STYLES.has(body.style as string)) return { status: 422, message: '"style" is invalid' }
    if (body.theme !== undefined && body.theme !== 'light' && body.theme !== 'dark') return { status: 422, message: '"theme" is invalid' }
    if (body.format !== undefined && body.format !== 'png' && body.format !== 'jpeg') return { status: 422, message: '"format" is invalid' }
    if (body.range !== undefined && !isRange(body.range)) return { status: 422, message: '"range" is invalid' }
    const items = [
      ...checkItems(body.studies, 'studies', STUDY_FIELDS),
      ...checkItems(body.drawings, 'drawings', DRAWING_FIELDS)
    ]
    return items[0] ?? null
  }

  function isKnownSymbol (symbol: string): boolean {
    const colon = symbol.indexOf(':')
    if (colon <= 0 || colon === symbol.length - 1) return false
    const exchange = symbol.slice(0, colon)
    const ticker = symbol.slice(colon + 1)
    const items = settings.symbols[exchange]
    if (items === undefined) return false
    return items.some((item) => {
      const name = typeof item === 'string' ? item : (item as { symbol?: string }).symbol
      return name === ticker || name === symbol
    })
  }

  function limited (): boolean {
    if (settings.dailyCap !== undefined && served >= settings.dailyCap) return true
    if (!settings.enforceRateLimit) return false
    const plan = FAKE_PLANS[settings.plan]
    const now = performance.now()
    bucket.tokens = Math.min(plan.burst, bucket.tokens + (now - bucket.at) * plan.rate / 1000)
    bucket.at = now
    if (bucket.tokens < 1) return true
    bucket.tokens -= 1
    return false
  }

  return {
    url,
    apiKey,
    requests,
    get probes () { return probes },
    script: (...replies) => { scripted.push(...replies) },
    unscript: () => scripted.splice(0).length,
    set: (changes) => {
      Object.assign(settings, changes)
      if (changes.plan !== undefined) bucket.tokens = FAKE_PLANS[changes.plan].burst
    },
    close: async () => {
      if (!server.listening) return
      const closed = once(server, 'close')
      server.close()
      server.closeAllConnections()
      await closed
    }
  }
}

function checkItems (value: unknown, field: string, allowed: Set<string>): Array<{ status: number, message: string }> {
  if (value === undefined) return []
  if (!Array.isArray(value)) return [{ status: 422, message: `"${field}" must be an array` }]
  for (const [index, item] of value.entries()) {
    if (item === null || typeof item !== 'object' || typeof (item as { name?: unknown }).name !== 'string') {
      return [{ status: 422, message: `"${field}[${index}].name" is required` }]
    }
    for (const key of Object.keys(item as object)) {
      if (!allowed.has(key)) return [{ status: 422, message: `"${field}[${index}].${key}" is not allowed` }]
    }
  }
  return []
}

function isRange (value: unknown): boolean {
  if (typeof value === 'string') return RANGES.has(value)
  if (value === null || typeof value !== 'object') return false
  const { from, to, ...rest } = value as Record<string, unknown>
  return Object.keys(rest).length === 0 && typeof from === 'string' && typeof to === 'string' &&
    !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to))
}

function arrayLength (value: unknown): number {
  return Array.isArray(value) ? value.length : 0
}

function defaultMessage (status: number): string {
  if (status === 429) return 'Limit Exceeded'
  if (status === 500) return 'Something Went Wrong'
  if (status === 504) return 'External Request Timeout'
  return 'Error'
}

function headerValue (req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function bearer (req: IncomingMessage): string | undefined {
  const auth = headerValue(req, 'authorization')
  return auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined
}

function recordHeaders (req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    headers[name] = name === 'x-api-key' || name === 'authorization' ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

function parseJson (text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers })
  res.end(text)
}

function sendImage (res: ServerResponse, record: RecordedRequest, format: 'png' | 'jpeg', width: number, height: number): void {
  const data = imageBytes(format, width, height)
  record.status = 200
  res.writeHead(200, { 'content-type': format === 'jpeg' ? 'image/jpeg' : 'image/png', 'content-length': data.length })
  res.end(data)
}

const imageCache = new Map<string, Buffer>()

/** A real, decodable white image of the asked size (cached per size: content is not the point, validity is). */
export function imageBytes (format: 'png' | 'jpeg', width: number, height: number): Buffer {
  const key = `${format}:${width}x${height}`
  let data = imageCache.get(key)
  if (data === undefined) {
    data = format === 'png' ? whitePng(width, height) : whiteJpeg(width, height)
    imageCache.set(key, data)
  }
  return data
}

function whitePng (width: number, height: number): Buffer {
  // PNG spec: signature, IHDR (8-bit greyscale), one IDAT of filter-0 scanlines, IEND.
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 0, 0, 0, 0], 8)
  const row = Buffer.alloc(width + 1, 0xff)
  row[0] = 0
  const raw = Buffer.concat(Array.from({ length: height }, () => row))
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))
  ])
}

function chunk (type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, crc])
}

function whiteJpeg (width: number, height: number): Buffer {
  return jpeg.encode({ data: Buffer.alloc(width * height * 4, 0xff), width, height }, 80).data
}
