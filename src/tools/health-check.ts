import { z } from 'zod'
import type { ToolDeps } from './deps.js'
import { defineTool } from './registry.js'
import { json } from './results.js'
import type { ToolDefinition } from './types.js'

const noInput = z.object({}).strict()

export function healthCheckTool ({ health }: ToolDeps): ToolDefinition {
  return defineTool({
    name: 'health_check',
    title: 'Server health',
    description: 'Whether the server can make charts now: engine in use, connected event clients, uptime, version.',
    inputSchema: noInput,
    annotations: { readOnlyHint: true },
    async run () {
      const report = await health()
      return { content: [json(report)], ...(report.status === 'unavailable' ? { isError: true } : {}) }
    }
  })
}
