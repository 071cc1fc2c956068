/**
 * `chart-img-mcp stdio` spawned as a real child process: the SDK's StdioClientTransport lists and calls tools, and
 * a raw read shows that stdout carries nothing but JSON-RPC (logs go to stderr).
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ARGS = ['--import', 'tsx', 'src/cli.ts', 'stdio']

function childEnv (dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    // Keep the child's configuration to what this test sets (no CHART_IMG_API_KEY from the developer's shell).
    if (value !== undefined && !/^(CHART_IMG_|AUTH_TOKEN|REDIS_URL|MCP_|PORT$|HOST$)/.test(key)) env[key] = value
  }
  return { ...env, DATA_DIR: dataDir, RENDER_WORKERS: '1', LOG_LEVEL: 'info', ...extra }
}

t.test('SDK Client over StdioClientTransport', async (t) => {
  const transport = new StdioClientTransport({ command: process.execPath, args: ARGS, cwd: ROOT, env: childEnv(t.testdir()), stderr: 'pipe' })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const client = new Client({ name: 'stdio-test', version: '1.0.0' })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getServerVersion()?.name, 'chart-img-mcp')
  const { tools } = await client.listTools()
  t.same(tools.map((tool) => tool.name).sort(), ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check'])
  const health = await client.callTool({ name: 'health_check', arguments: {} })
  t.match(JSON.parse((health.content as Array<{ text: string }>)[0].text), { engine: 'local', version: /^\d+\.\d+\.\d+/ })
  const { prompts } = await client.listPrompts()
  t.equal(prompts.length, 2)
  t.match(stderr, /MCP server ready on stdio/, 'logs go to stderr')
})

t.test('stdout is JSON-RPC only; the process exits when stdin ends', async (t) => {
  const child = spawn(process.execPath, ARGS, { cwd: ROOT, env: childEnv(t.testdir(), { LOG_LEVEL: 'debug' }), stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const lines = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'health_check', arguments: {} } }
  ]
  for (const line of lines) child.stdin.write(`${JSON.stringify(line)}\n`)
  while (!stdout.includes('"id":2')) await once(child.stdout, 'data')
  child.stdin.end()
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'clean exit when stdin ends')
  const out = stdout.trim().split('\n')
  t.equal(out.length, 2, 'one line per response')
  for (const line of out) t.match(JSON.parse(line), { jsonrpc: '2.0' }, 'every stdout line is a JSON-RPC message')
  t.match(stderr, /"msg":"MCP server ready on stdio"/, 'pino JSON logs on stderr')
})

t.test('SDK v2 client pinned to 2026-07-28 over stdio: the same tools, with progress', async (t) => {
  const { Client: ModernClient } = await import('@modelcontextprotocol/client')
  const { StdioClientTransport: ModernStdio } = await import('@modelcontextprotocol/client/stdio')
  const transport = new ModernStdio({ command: process.execPath, args: ARGS, cwd: ROOT, env: childEnv(t.testdir()), stderr: 'pipe' })
  transport.stderr?.on('data', () => {})
  const client = new ModernClient({ name: 'stdio-modern-test', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await client.connect(transport)
  t.teardown(async () => { await client.close() })
  t.equal(client.getNegotiatedProtocolVersion(), '2026-07-28')
  const { tools } = await client.listTools()
  t.equal(tools.length, 5)
  // What arrives on the wire, in order. The SDK runs notification handlers a microtask later than it settles a
  // response, so when progress and the result arrive in one stdout chunk (a busy machine) `onprogress` may miss the
  // last updates; the order the server wrote them in is what this test is about.
  const wire: Array<{ method?: string, id?: unknown, params?: { progress?: number } }> = []
  const deliver = transport.onmessage
  transport.onmessage = (message) => { wire.push(message as typeof wire[number]); deliver?.(message) }
  const chart = await client.callTool({ name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 400, height: 300 } }, { onprogress: () => {} })
  t.notOk(chart.isError)
  t.match(chart.content, [{ type: 'text' }, { type: 'image', mimeType: 'image/png' }])
  const answered = wire.findIndex((message) => message.method === undefined)
  t.ok(answered > 0, 'the result came on the wire after the notifications')
  const progress = wire.slice(0, answered).filter((message) => message.method === 'notifications/progress').map((message) => message.params?.progress)
  t.ok(progress.length >= 2, `progress before the result: ${progress.join(', ')}`)
  t.same(progress, [...progress].sort((a, b) => (a ?? 0) - (b ?? 0)), 'progress increases')
})

t.test('SIGTERM while a chart renders: the call is answered on stdout before the process exits', async (t) => {
  const child = spawn(process.execPath, ARGS, { cwd: ROOT, env: childEnv(t.testdir()), stdio: ['pipe', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  child.stderr.resume()
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString() })
  const lines = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'SP:SPX', width: 1920, height: 1080 }, _meta: { progressToken: 'p' } } }
  ]
  for (const line of lines) child.stdin.write(`${JSON.stringify(line)}\n`)
  // A progress notification: the render is under way.
  while (!stdout.includes('"progressToken":"p"')) await once(child.stdout, 'data')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'clean exit')
  const answer = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((message: { id?: unknown }) => message.id === 2)
  t.ok(answer !== undefined && ('result' in answer || answer.error?.code === -32001), `the call got its result or -32001: ${JSON.stringify(answer)?.slice(0, 120)}`)
})
