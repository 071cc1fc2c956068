import { z } from 'zod'
import type { ChartServiceApi } from '../chart/service-types.js'
import type { ChartRecord } from '../history/types.js'
import { describeRecord } from './chart-record.js'
import type { ToolDeps } from './deps.js'
import { defineTool } from './registry.js'
import { json, toolError } from './results.js'
import type { ToolDefinition } from './types.js'

const REQUEST_ID = z.string().regex(/^req_\d+_[0-9a-f]+$/, 'must be a request id such as req_1749698104642_1a2b3c4d')
const chartStatusInput = z.object({ requestId: REQUEST_ID }).strict()
const recentInput = z.object({ limit: z.number().int().min(1).max(50).default(10).describe('1–50, default 10') }).strict()

/** One request as both tools show it: the shared description, with the image link the chart service gives it. */
function describeWithImage (charts: ChartServiceApi, record: ChartRecord): Record<string, unknown> {
  return describeRecord(record, charts.imageUrl(record))
}

export function chartStatusTool ({ charts, config }: ToolDeps): ToolDefinition {
  return defineTool({
    name: 'get_chart_status',
    title: 'Chart request status',
    description: 'Status (pending | rendering | completed | failed), timings, error and image URL of a chart request.',
    inputSchema: chartStatusInput,
    annotations: { readOnlyHint: true },
    async run ({ requestId }, ctx) {
      const record = await charts.status(requestId, ctx.caller.principal)
      if (record === undefined) {
        return toolError(`No chart request ${requestId}. It may be older than the history retention (${config.HISTORY_MAX_AGE_DAYS} days / ${config.HISTORY_MAX_ROWS} requests); use get_recent_requests to list known ones.`)
      }
      return { content: [json(describeWithImage(charts, record))] }
    }
  })
}

export function recentRequestsTool ({ charts }: ToolDeps): ToolDefinition {
  return defineTool({
    name: 'get_recent_requests',
    title: 'Recent chart requests',
    description: 'The most recent chart requests, newest first.',
    inputSchema: recentInput,
    annotations: { readOnlyHint: true },
    async run ({ limit }, ctx) {
      const records = await charts.recent(limit, ctx.caller.principal)
      return { content: [json({ count: records.length, requests: records.map((r) => describeWithImage(charts, r)) })] }
    }
  })
}
