/** How this server names and introduces itself on every surface (MCP serverInfo, the JSON-RPC initialize, GET /api). */
export { VERSION as SERVER_VERSION } from './version.js'

export const SERVER_NAME = 'chart-img-mcp'

export const SERVER_INSTRUCTIONS = 'Makes trading charts. Call get_available_symbols to see what can be drawn, then generate_chart. ' +
  'Progress arrives as notifications/progress when you send a progressToken.'
