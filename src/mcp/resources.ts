/**
 * Chart resources: every stored chart request as `chart://requests/{requestId}` (the image as a blob plus its record as
 * JSON), and `chart://symbols` (the symbol list as JSON). A client that subscribes to a request's URI gets
 * `notifications/resources/updated` when the request completes or fails.
 */
import { ResourceNotFoundError, ResourceTemplate, type McpServer, type ReadResourceResult } from '@modelcontextprotocol/server'
import type { McpDeps } from './deps.js'
import type { ResourceSubscriptions } from './subscriptions.js'
import type { OwnedServerEventBus } from './owned-event-bus.js'
import { describeRecord } from '../tools/chart-record.js'
import type { ChartRecord } from '../history/types.js'
import { principalOf } from './request-state.js'

export const CHART_REQUEST_URI_PREFIX = 'chart://requests/'
export const SYMBOLS_URI = 'chart://symbols'
/** How many recent requests `resources/list` shows (the template reads any stored request). */
export const RECENT_REQUESTS_LISTED = 50

export function chartRequestUri (requestId: string): string {
  return `${CHART_REQUEST_URI_PREFIX}${encodeURIComponent(requestId)}`
}

function describe (record: ChartRecord): string {
  return `${record.request.symbol} ${record.request.interval} ${record.request.style} chart — ${record.status}`
}

/** The record as clients see it: the tool's summary of it (charts.imageUrl already prefers a Chart-IMG URL), plus the full request. */
function metadata (record: ChartRecord, imageUrl: string | null): Record<string, unknown> {
  return { ...describeRecord(record, imageUrl), request: record.request, mimeType: record.mimeType }
}

function buildTemplate (deps: McpDeps): ResourceTemplate {
  return new ResourceTemplate(`${CHART_REQUEST_URI_PREFIX}{requestId}`, {
    list: async (extra) => ({
      resources: (await deps.charts.recent(RECENT_REQUESTS_LISTED, principalOf(extra))).map((record) => ({
        uri: chartRequestUri(record.requestId),
        name: record.requestId,
        title: describe(record),
        description: describe(record),
        mimeType: record.mimeType ?? 'application/json'
      }))
    }),
    complete: {
      // The SDK gives completions no caller: complete from open mode's rows only, never another principal's ids.
      requestId: async (value) => (await deps.charts.recent(RECENT_REQUESTS_LISTED, null)).map((r) => r.requestId).filter((id) => id.startsWith(value))
    }
  })
}

// Immutable and the same for every session's server (one McpServer per session): build it once per deps.
const templates = new WeakMap<McpDeps, ResourceTemplate>()
function templateFor (deps: McpDeps): ResourceTemplate {
  let template = templates.get(deps)
  if (template === undefined) {
    template = buildTemplate(deps)
    templates.set(deps, template)
  }
  return template
}

/** `subscriptions` is the 2025 session's registry (2026 requests subscribe through subscriptions/listen). */
export function registerChartResources (server: McpServer, deps: McpDeps, subscriptions: ResourceSubscriptions | undefined): void {
  server.registerResource('chart-symbols', SYMBOLS_URI, {
    title: 'Chart symbols',
    description: 'Symbols the chart engine can draw (EXCHANGE:TICKER, intervals, data range and source), as JSON',
    mimeType: 'application/json'
  }, async (uri) => {
    const listing = await deps.charts.listSymbols({})
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(listing) }] }
  })

  server.registerResource('chart-request', templateFor(deps), {
    title: 'Chart request',
    description: 'One chart request: the rendered image (when stored locally) and its record as JSON. Subscribe to be told when it completes.'
  }, async (uri, variables, extra): Promise<ReadResourceResult> => {
    const requestId = decodeURIComponent(String(variables.requestId))
    const record = await deps.charts.status(requestId, principalOf(extra))
    if (record === undefined) {
      // -32602 with data.uri in both eras (SEP-2164; the SDK never sends 2025's -32002, which clients also accept).
      throw new ResourceNotFoundError(uri.href, `No chart request ${requestId}; list chart://requests/ resources or call get_recent_requests`)
    }
    const contents: ReadResourceResult['contents'] = [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(metadata(record, deps.charts.imageUrl(record))) }]
    if (record.status === 'completed' && record.mimeType !== null) {
      const image = await deps.charts.readImage(record)
      if (image !== null) contents.unshift({ uri: uri.href, mimeType: record.mimeType, blob: image.toString('base64') })
    }
    return { contents }
  })

  if (subscriptions === undefined) return
  // A chart request of the caller's own: another principal's is refused like an unknown one.
  subscriptions.allow(async (uri, principal) => {
    if (!uri.startsWith(CHART_REQUEST_URI_PREFIX) || uri.length === CHART_REQUEST_URI_PREFIX.length) return false
    let requestId: string
    try {
      requestId = decodeURIComponent(uri.slice(CHART_REQUEST_URI_PREFIX.length))
    } catch {
      return false
    }
    return await deps.charts.status(requestId, principal) !== undefined
  })

  // Listen on the bus only while this session watches at least one chart request.
  let unsubscribe: (() => void) | undefined
  subscriptions.onChange(() => {
    if (subscriptions.count > 0 && unsubscribe === undefined) {
      unsubscribe = deps.bus.subscribe(({ event }) => {
        if (event.data.status !== 'completed' && event.data.status !== 'failed') return
        subscriptions.notifyUpdated(chartRequestUri(event.requestId)).catch(() => {})
      })
    } else if (subscriptions.count === 0 && unsubscribe !== undefined) {
      unsubscribe()
      unsubscribe = undefined
    }
  })
  chainOnClose(server, () => {
    unsubscribe?.()
    unsubscribe = undefined
  })
}

/** Runs `cleanup` when the server's connection closes, keeping any handler already set. */
export function chainOnClose (server: McpServer, cleanup: () => void): void {
  const previous = server.server.onclose
  server.server.onclose = () => {
    previous?.()
    cleanup()
  }
}

/**
 * 2026-07-28: publishes chart request changes to `subscriptions/listen` streams (once per process, not per server):
 * a request that completes or fails updates its `chart://requests/…` resource and changes the resource list (its
 * entry's title carries the status). Both go only to the streams of the request's owner (its principal; null in open
 * mode, where every stream gets them): another principal's list did not change, and its resource is not theirs.
 * Returns the unsubscribe function.
 */
export function publishChartResourceChanges (bus: McpDeps['bus'], streams: OwnedServerEventBus): () => void {
  return bus.subscribe(({ event, owner }) => {
    const { status } = event.data
    if (status !== 'completed' && status !== 'failed') return
    streams.publishOwned({ kind: 'resource_updated', uri: chartRequestUri(event.requestId) }, owner ?? null)
    streams.publishOwned({ kind: 'resources_list_changed' }, owner ?? null)
  })
}
