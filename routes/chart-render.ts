/**
 * `GET /charts/render.png?symbol=…&interval=…` (and `.jpeg`): a chart as the response itself, for Markdown
 * (`![](…/charts/render.png?symbol=SP:SPX)`), dashboards and <img> tags. It is generate_chart through the tool
 * registry, like every surface: the query parameters are the tool's scalar arguments, validated by a schema made from
 * the tool's own input schema (src/http/query-schema.ts), then once more by the registry.
 *
 * Cached: an embedded chart is fetched on every page view, so the same arguments (after defaults, in key order) get
 * the stored image for CACHE_TTL_MS instead of a new render and a new history record; identical requests in flight
 * share one render. The response carries an ETag (a revalidation is a 304) and `Cache-Control: public, max-age`
 * for the same time. `X-Chart-Cache: hit|miss` says which it was.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { Logger } from 'pino'
import { queryStringSchema } from '../src/http/query-schema.js'
import { callTool } from '../src/jsonrpc-methods.js'
import { httpStatusOfCode } from '../src/jsonrpc.js'
import { failureCauseOf } from '../src/tools/results.js'
import { errorBody } from './http-tool-call.js'

/** Bundled data does not change, but live providers' last bar does: five minutes is fresh enough for an embed. */
export const CACHE_TTL_MS = 5 * 60_000
const CACHE_MAX_BYTES = 32 * 1024 * 1024
const TOOL = 'generate_chart'

const FORMATS = { png: { format: 'png', mimeType: 'image/png' }, jpeg: { format: 'jpeg', mimeType: 'image/jpeg' } } as const

interface RenderedChart {
  image: Buffer
  mimeType: string
  etag: string
}

type RenderOutcome = { ok: true, chart: RenderedChart } | { ok: false, status: number, message: string, retryAfterSeconds?: number }

/**
 * The status of a failed chart, from its cause (src/chart/service-types.ts, ChartFailureCode): the caller's request
 * (4xx: the message says what to change) or the server or Chart-IMG unable to serve it now (5xx: an <img>, a CDN or
 * a monitor must not take a busy server for a broken URL). A code not listed here is a server fault.
 */
const STATUS_OF_FAILURE: Record<string, number> = {
  INVALID_REQUEST: 400,
  UNKNOWN_SYMBOL: 400,
  UNSUPPORTED_INTERVAL: 400,
  UNSUPPORTED_STYLE: 400,
  UNSUPPORTED_STUDY: 400,
  PLAN_LIMIT: 400, // beyond the configured Chart-IMG plan (size, studies): a smaller chart works
  AUTH: 502, // Chart-IMG refused the server's key: the operator's to fix
  UPSTREAM: 502,
  TIMEOUT: 504,
  RATE_LIMITED: 503,
  BUSY: 503,
  SHUT_DOWN: 503,
  SHARED_STORE: 503,
  STORAGE: 503,
  CANCELLED: 503
}

export default async function chartRenderRoutes (fastify: FastifyInstance): Promise<void> {
  const { tools } = fastify
  const tool = tools.describe().find((descriptor) => descriptor.name === TOOL)
  if (tool === undefined) throw new Error(`routes/chart-render.ts needs the ${TOOL} tool`)
  // format comes from the extension; storage is off because this route answers with the image bytes themselves.
  const querystring = queryStringSchema(tool.inputSchema, ['format', 'storage'])
  const accepted = Object.keys(querystring.properties as Record<string, unknown>)

  const cache = new LRUCache<string, RenderedChart>({
    maxSize: CACHE_MAX_BYTES,
    sizeCalculation: (chart) => chart.image.length,
    ttl: CACHE_TTL_MS
  })
  const inFlight = new Map<string, Promise<RenderOutcome>>()

  async function render (args: Record<string, unknown>, log: Logger): Promise<RenderOutcome> {
    // Not cancelled when the client leaves: the render is shared with identical requests and kept for the next one;
    // the registry's deadline bounds it.
    const outcome = await callTool(tools, TOOL, args, { signal: new AbortController().signal, caller: { principal: null, clientId: null }, progress: () => {}, log })
    if (!outcome.ok) {
      const status = httpStatusOfCode(outcome.code)
      return { ok: false, status, message: status < 500 || status === 504 ? outcome.message : 'Internal Server Error' }
    }
    const text = outcome.result.content.flatMap((block) => block.type === 'text' ? [block.text] : []).join('\n')
    if (outcome.result.isError === true) {
      const cause = failureCauseOf(outcome.result)
      const status = cause === undefined ? 500 : STATUS_OF_FAILURE[cause.code] ?? 500
      if (status >= 500) log.warn({ code: cause?.code, text }, 'chart image not served')
      return { ok: false, status, message: status === 500 ? 'Internal Server Error' : text, ...(cause?.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: cause.retryAfterSeconds }) }
    }
    const block = outcome.result.content.find((item) => item.type === 'image')
    if (block === undefined || block.type !== 'image') {
      log.error({ text }, 'generate_chart returned no image')
      return { ok: false, status: 502, message: 'The chart engine returned no image' }
    }
    const image = Buffer.from(block.data, 'base64')
    const etag = `"${createHash('sha256').update(image).digest('base64url').slice(0, 27)}"`
    return { ok: true, chart: { image, mimeType: block.mimeType, etag } }
  }

  async function send (reply: FastifyReply, chart: RenderedChart, hit: boolean, ifNoneMatch: string | undefined): Promise<FastifyReply> {
    reply
      // With auth configured, shared caches must not hand the image to callers without a token.
      .header('cache-control', `${fastify.security.authenticator.enabled ? 'private' : 'public'}, max-age=${CACHE_TTL_MS / 1000}`)
      .header('etag', chart.etag)
      .header('x-chart-cache', hit ? 'hit' : 'miss')
    if (ifNoneMatch !== undefined && ifNoneMatch.split(/\s*,\s*/).includes(chart.etag)) return await reply.code(304).send()
    return await reply.type(chart.mimeType).send(chart.image)
  }

  for (const [extension, { format }] of Object.entries(FORMATS)) {
    fastify.get<{ Querystring: Record<string, string | number | boolean> }>(`/charts/render.${extension}`, {
      // It makes a chart (nothing stored, shared by identical requests): the scope of a tool call.
      config: { access: 'rest-call' },
      schema: {
        querystring,
        response: { 400: errorBody, 500: errorBody, 502: errorBody, 503: errorBody, 504: errorBody }
      }
    }, async (request, reply) => {
      // Fastify's validator drops unknown properties silently (removeAdditional); a typo must not be ignored.
      const unknown = [...new URL(request.url, 'http://localhost').searchParams.keys()].filter((name) => !accepted.includes(name))
      if (unknown.length > 0) {
        return await reply.code(400).send({ error: `Unknown query parameter ${unknown.join(', ')}: this route takes ${accepted.join(', ')}`, statusCode: 400 })
      }
      // After validation the query has its defaults filled in; sorted keys make equal arguments one key.
      const args: Record<string, unknown> = { ...request.query, format, storage: false }
      const key = JSON.stringify(Object.keys(args).sort().map((name) => [name, args[name]]))
      const ifNoneMatch = request.headers['if-none-match']
      const cached = cache.get(key)
      if (cached !== undefined) return await send(reply, cached, true, ifNoneMatch)

      let pending = inFlight.get(key)
      if (pending === undefined) {
        // Fastify's logger is pino; its type only names the methods Fastify itself uses (as in routes/jsonrpc.ts).
        pending = render(args, request.log as unknown as Logger).finally(() => { inFlight.delete(key) })
        inFlight.set(key, pending)
      }
      const outcome = await pending
      if (!outcome.ok) {
        if (outcome.retryAfterSeconds !== undefined) reply.header('retry-after', String(outcome.retryAfterSeconds))
        return await reply.code(outcome.status).send({ error: outcome.message, statusCode: outcome.status })
      }
      cache.set(key, outcome.chart)
      return await send(reply, outcome.chart, false, ifNoneMatch)
    })
  }
}
