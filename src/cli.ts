#!/usr/bin/env node
/**
 * `chart-img-mcp [serve]` starts the HTTP server; `chart-img-mcp stdio` serves MCP over stdin/stdout.
 * Configuration comes from environment variables (see .env.example).
 */
import { existsSync } from 'node:fs'
import { ConfigError, loadConfig } from './config.js'
import { userDataDir } from './user-data-dir.js'
import { VERSION } from './version.js'

const USAGE = `chart-img-mcp ${VERSION}

Usage:
  chart-img-mcp [serve]   HTTP server (MCP at /mcp, seed routes, SSE events); PORT (3001), HOST (127.0.0.1)
  chart-img-mcp stdio     MCP over stdio (logs on stderr); DATA_DIR defaults to ${userDataDir()}
  chart-img-mcp --version | --help

Configuration: environment variables, documented in .env.example; a .env file in the working directory is read
too (variables already set in the environment win).`

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
  // Node's own parser (process.loadEnvFile, Node >= 20.12) rather than a dotenv dependency; it never overrides a
  // variable the environment already has, so systemd/PM2/docker settings keep precedence over a stray .env.
  if (existsSync('.env')) process.loadEnvFile('.env')
  // stdio: the client picks the working directory, so ./data would be wherever that is; the HTTP server keeps ./data.
  const env = command === 'stdio' && (process.env.DATA_DIR ?? '') === '' ? { ...process.env, DATA_DIR: userDataDir() } : process.env
  let config
  try {
    config = loadConfig(env)
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
  // Exit now: the render workers, history store and timers built before the failure would otherwise keep the
  // process up for seconds with nothing to serve (issue 12: EADDRINUSE exited ~6.5 s late).
  process.exit(1)
})
