/**
 * The same generate_chart arguments give the same image bytes on every surface: the JSON-RPC route
 * (POST /mcp/tools/call), REST (POST /mcp/tools/generate_chart), a 2025-11-25 MCP session, a 2026-07-28 MCP request
 * and stdio — one tool registry behind all of them, no surface re-encoding the result.
 */
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { Client as SessionClient } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport as SessionTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { startApp } from '../support/app.js'

const ARGS = { symbol: 'SP:SPX', interval: '1W', style: 'line', width: 400, height: 300 }
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Content { type: string, data?: string, mimeType?: string, text?: string }

function imageOf (content: Content[] | undefined): string {
  const image = content?.find((c) => c.type === 'image')
  if (image?.data === undefined) throw new Error(`no image in ${JSON.stringify(content?.map((c) => c.type === 'text' ? c.text : c.type))}`)
  return image.data
}

t.test('one chart, five surfaces, the same PNG bytes', async (t) => {
  const { url } = await startApp(t)
  const images = new Map<string, string>()

  const rpc = await fetch(`${url}/mcp/tools/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'generate_chart', arguments: ARGS } }) })
  images.set('JSON-RPC route', imageOf(((await rpc.json()) as { result: { content: Content[] } }).result.content))

  const rest = await fetch(`${url}/mcp/tools/generate_chart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ARGS) })
  images.set('REST', imageOf(((await rest.json()) as { content: Content[] }).content))

  const session = new SessionClient({ name: 'same-2025', version: '1' })
  await session.connect(new SessionTransport(new URL(`${url}/mcp`)))
  t.teardown(async () => { await session.close() })
  images.set('MCP 2025-11-25 session', imageOf((await session.callTool({ name: 'generate_chart', arguments: ARGS })).content as Content[]))

  const modern = new Client({ name: 'same-2026', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } })
  await modern.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)))
  t.teardown(async () => { await modern.close() })
  images.set('MCP 2026-07-28', imageOf((await modern.callTool({ name: 'generate_chart', arguments: ARGS })).content as Content[]))

  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(CHART_IMG_|AUTH_TOKEN|REDIS_URL|MCP_|PORT$|HOST$)/.test(key)) env[key] = value
  }
  const stdio = new SessionClient({ name: 'same-stdio', version: '1' })
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', 'src/cli.ts', 'stdio'], cwd: ROOT, env: { ...env, DATA_DIR: t.testdir(), RENDER_WORKERS: '1', LOG_LEVEL: 'warn' }, stderr: 'ignore' }))
  t.teardown(async () => { await stdio.close() })
  images.set('stdio', imageOf((await stdio.callTool({ name: 'generate_chart', arguments: ARGS })).content as Content[]))

  const reference = images.get('JSON-RPC route')
  t.ok((reference?.length ?? 0) > 1000, 'a real PNG')
  for (const [surface, image] of images) t.equal(image, reference, `${surface}: the same bytes`)
})
