import { createRequire } from 'node:module'

// This file runs as src/version.ts (tsx) or dist/src/version.js (compiled): package.json is one or two levels up.
const PACKAGE_JSON = import.meta.url.includes('/dist/') ? '../../package.json' : '../package.json'

/** The package version, reported by /mcp/health, health_check, the MCP serverInfo and `chart-img-mcp --version`. */
export const VERSION: string = (createRequire(import.meta.url)(PACKAGE_JSON) as { version: string }).version
