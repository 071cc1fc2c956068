#!/usr/bin/env node
/**
 * `chart-img-mcp [serve]` starts the HTTP server; `chart-img-mcp stdio` serves MCP over stdin/stdout.
 * Configuration comes from environment variables (see .env.example).
 */
import { ConfigError, loadConfig } from './config.js'
import { VERSION } from './version.js'

const USAGE = `chart-img-mcp ${VERSION}

Usage:
  chart-img-mcp [serve]   HTTP server (MCP at /mcp, seed routes, SSE events); PORT (3001), HOST (127.0.0.1)
  chart-img-mcp stdio     MCP over stdio (logs on stderr)
  chart-img-mcp --version | --help

Configuration: environment variables, documented in .env.example.`

async function main (argv: string[]): Promise<number | undefined> {
  const command = argv[0] ?? 'serve'
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (command !== 'serve' && command !== 'stdio') {
    process.stderr.write(`Unknown command: ${command}\n\n${USAGE}\n`)
    return 2
  }
  let config
  try {
    config = loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`chart-img-mcp: ${error.message}\nSee .env.example for every variable.\n`)
      return 1
    }
    throw error
  }
  if (command === 'stdio') {
    const { runStdio } = await import('./stdio.js')
    await runStdio(config)
    return undefined
  }
  const { startServer } = await import('./server.js')
  await startServer(config)
  return undefined
}

main(process.argv.slice(2)).then((code) => {
  if (code !== undefined) process.exitCode = code
}, (error: unknown) => {
  process.stderr.write(`chart-img-mcp: failed to start: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
})
