/**
 * A caller that goes away stops its chart: on the seed route and the REST route, a disconnect reaches the tool through
 * notifications/cancelled, the render leaves the queue, and the history says so. Nothing crashes or hangs.
 */
import t from 'tap'
import { callTool, heavyChartArgs, startApp } from './support/app.js'
import { waitFor } from './sse/wait.js'

const big = heavyChartArgs

const routes = [
  {
    route: '/mcp/tools/call (seed JSON-RPC)',
    path: '/mcp/tools/call',
    body: (args: Record<string, unknown>) => ({ jsonrpc: '2.0', id: 'gone', method: 'tools/call', params: { name: 'generate_chart', arguments: args } })
  },
  { route: 'POST /mcp/tools/generate_chart (REST)', path: '/mcp/tools/generate_chart', body: (args: Record<string, unknown>) => args }
]

for (const { route, path, body } of routes) {
  t.test(`disconnecting from ${route} cancels the queued render`, async (t) => {
    const { url, app } = await startApp(t, { RENDER_WORKERS: 1, RENDER_CACHE_ENTRIES: 0 })
    // Keep the single worker busy so the next request waits in the queue.
    const ahead = Array.from({ length: 4 }, async (_, i) => await callTool(url, 'generate_chart', big(i)))

    const controller = new AbortController()
    const abandoned = fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body({ ...big(20), theme: 'dark' })),
      signal: controller.signal
    }).catch((error: unknown) => error)
    await waitFor('the request to be accepted', async () => (await app.core.charts.recent(10, null)).find((r) => r.request.theme === 'dark'))
    controller.abort()
    t.match(await abandoned, { name: 'AbortError' })

    const record = await waitFor('the abandoned request to be recorded as failed', async () => {
      const failed = (await app.core.charts.recent(10, null)).find((r) => r.status === 'failed')
      return failed ?? undefined
    })
    t.match(record.error, /cancelled/i)
    t.equal(record.request.theme, 'dark', 'it is the abandoned request')

    for (const result of await Promise.all(ahead)) t.notOk(result.body.result.isError, 'the other callers still get their charts')
  })
}
