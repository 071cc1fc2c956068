/**
 * URLs as they may be logged: credentials and capabilities removed. Legacy MCP session ids (`?sessionId=`, the only
 * credential of /mcp/legacy/messages without a token), channel ids (a capability in open mode: whoever knows one
 * can watch it) and anything named like a token are replaced by `[redacted]`.
 */
const SECRET_PARAMS = /^(sessionid|clientid|token|access_token|id_token|refresh_token|code|api_key|apikey|key)$/i
const CHANNEL_PATH = /^(\/mcp\/events\/)[^/?#]+/

export function redactUrl (url: string): string {
  const queryAt = url.indexOf('?')
  const path = (queryAt === -1 ? url : url.slice(0, queryAt)).replace(CHANNEL_PATH, '$1[redacted]')
  if (queryAt === -1) return path
  const query = url.slice(queryAt + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    let name = eq === -1 ? pair : pair.slice(0, eq)
    try {
      name = decodeURIComponent(name)
    } catch {}
    return SECRET_PARAMS.test(name) ? `${pair.slice(0, eq === -1 ? pair.length : eq)}=[redacted]` : pair
  }).join('&')
  return `${path}?${query}`
}
