/**
 * The official MCP Inspector CLI (@modelcontextprotocol/inspector-cli@1.0.3) against /mcp, as an operator would run it.
 */
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startMcpApp } from './helper.js'

const run = promisify(execFile)
const CLI = fileURLToPath(new URL('../../node_modules/.bin/mcp-inspector-cli', import.meta.url))
// inspector-cli 1.0.3 looks for its own package.json with fs.existsSync('../package.json') — relative to the working
// directory — but import()s it relative to its module: run it from its build directory so both agree.
const CWD = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector-cli/build/', import.meta.url))

t.test('mcp-inspector-cli: tools/list and tools/call health_check', async (t) => {
  const { url } = await startMcpApp(t)
  const list = await run(CLI, ['--cli', url, '--transport', 'http', '--method', 'tools/list'], { timeout: 60_000, cwd: CWD })
  const tools = JSON.parse(list.stdout) as { tools: Array<{ name: string }> }
  t.same(tools.tools.map((tool) => tool.name).sort(), ['generate_chart', 'get_available_symbols', 'get_chart_status', 'get_recent_requests', 'health_check'])

  const call = await run(CLI, ['--cli', url, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'health_check'], { timeout: 60_000, cwd: CWD })
  const result = JSON.parse(call.stdout) as { content: Array<{ type: string, text: string }>, isError?: boolean }
  t.notOk(result.isError)
  t.match(JSON.parse(result.content[0].text), { status: 'ok', engine: 'local' })
})
