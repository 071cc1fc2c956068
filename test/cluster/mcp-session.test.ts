/**
 * Issue 10, "What must be shown": an SDK client (2025 era, @modelcontextprotocol/sdk) that only knows nginx's URL.
 * nginx (docker/nginx.conf, least_conn, no stickiness) spreads its requests over three CLI instances on their own
 * network namespaces; the test reads which instance served each request from the test-only upstream header and
 * checks that initialize, the GET stream and a tools/call each landed on a different one, and that progress and the
 * result still arrive.
 */
import t from 'tap'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js'
import { startCluster, type Cluster } from '../support/cluster.js'
import { waitFor } from '../sse/wait.js'

interface Landing {
  method: string
  /** The JSON-RPC method of a POST, or '' */
  rpc: string
  instance: string
}

/** A fetch that passes everything to nginx and writes down which instance served each request. */
function recordingFetch (cluster: Cluster, landings: Landing[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    const body = typeof init?.body === 'string' ? init.body : ''
    landings.push({ method: init?.method ?? 'GET', rpc: /"method":"([^"]+)"/.exec(body)?.[1] ?? '', instance: cluster.instanceOf(response.headers)?.name ?? '?' })
    return response
  }
}

t.test('through nginx: initialize on one instance, the GET stream on another, tools/call on the third; progress and result arrive', async (t) => {
  const cluster = await startCluster(t, { instances: 3 })
  t.comment(`network: ${cluster.network}`)
  // nginx decides where each request goes; a session whose GET stream landed where it was initialized does not show
  // three instances, so the test opens sessions until one does (least_conn takes turns: the second one at most).
  for (let attempt = 1; attempt <= 6; attempt++) {
    const landings: Landing[] = []
    const transport = new StreamableHTTPClientTransport(new URL(`${cluster.url}/mcp`), { fetch: recordingFetch(cluster, landings) })
    const client = new Client({ name: 'cluster-client', version: '1.0.0' })
    await client.connect(transport)
    const initialize = landings.find((l) => l.rpc === 'initialize')?.instance
    const stream = await waitFor('the GET stream', () => landings.find((l) => l.method === 'GET')?.instance)
    if (initialize === stream) {
      await client.close()
      continue
    }
    // With the stream open on one instance, least_conn alternates POSTs between the other two.
    for (let call = 1; call <= 4; call++) {
      const progress: number[] = []
      const result = await client.request({
        method: 'tools/call',
        params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1D', range: '1M', width: 400, height: 300 }, _meta: { progressToken: `p${call}` } }
      }, CallToolResultSchema, { onprogress: (p) => { progress.push(p.progress) } })
      const served = landings.filter((l) => l.rpc === 'tools/call').at(-1)?.instance
      if (served === initialize || served === stream) continue
      t.not(initialize, stream, `initialize on ${String(initialize)}, GET stream on ${stream}`)
      t.ok(served !== undefined && ![initialize, stream].includes(served), `tools/call on ${String(served)}`)
      t.notOk(result.isError, 'the call succeeded')
      t.match(JSON.stringify(result.content), /Chart ready/, 'the result arrived')
      t.ok(progress.length >= 1, `progress arrived (${progress.length} notifications)`)
      const listed = await client.listTools()
      t.ok(listed.tools.some((tool) => tool.name === 'generate_chart'), 'the session goes on serving wherever nginx sends it')
      t.comment(landings.map((l) => `${l.method} ${l.rpc} → ${l.instance}`).join('; '))
      await client.close()
      return
    }
    await client.close()
  }
  t.fail('no session had initialize, GET stream and tools/call on three different instances')
})
