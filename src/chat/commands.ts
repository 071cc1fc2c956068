/**
 * The chat's command syntax, used when no model is configured. A small grammar rather than pattern guesses:
 *
 *   message  := command argument*
 *   argument := word | "quoted words" | key=value
 *   chart    := "chart" SYMBOL (INTERVAL | STYLE | STUDY | key=value)*     e.g. chart SP:SPX 1W candle rsi macd
 *   symbols  := "symbols" word* (exchange=X | limit=N)*                      e.g. symbols apple
 *   recent   := "recent" [N]
 *   status   := "status" REQUEST_ID
 *   help     := "help"
 *
 * A chart argument is classified by what it is, not where it stands: an INTERVAL starts with a digit (`1W`, and a
 * near miss such as `1d`, which the tool's schema answers with "did you mean"), a STYLE is a style name or alias
 * (`candle`, `candlestick`, or a style's near miss that is no study: `candles`), anything else is a study short or
 * full name (`rsi`, `ema20`, `"Bollinger Bands"`), resolved by the chart request schema (src/chart/request.ts).
 * Parsing only builds tool arguments; the tool registry validates them, so the chat never accepts what a tool refuses.
 */
import { RANGE_PRESETS, STYLE_ALIASES, STYLES, THEMES } from '../chart/request.js'
import { resolveStudyAlias, STUDY_ALIAS_NAMES } from '../chart/study-aliases.js'
import { looseKey, suggestStyle } from '../chart/suggestions.js'

/** A parsed message: the tool to call with its arguments, help, or a syntax error to show with the help text. */
export type ChatCommand =
  | { kind: 'tool', tool: string, arguments: Record<string, unknown> }
  | { kind: 'help' }
  | { kind: 'invalid', message: string }

export const COMMAND_HELP = [
  'Commands:',
  'chart SYMBOL [interval] [style] [studies…] [range=1Y] [theme=dark] [size=800x600]',
  '  draws a chart, e.g. chart SP:SPX 1W candle rsi macd, or chart NASDAQ:AAPL 1M line ema20 "Bollinger Bands" range=5Y',
  'symbols [words…] [exchange=SP] [limit=N]',
  '  the symbols this server can chart, e.g. symbols apple',
  'recent [N]',
  '  the last N chart requests (default 10)',
  'status REQUEST_ID',
  '  one chart request, e.g. status req_1749698104642_1a2b3c4d',
  'help',
  '  this text',
  `Intervals: 1m … 12h, 1D, 1W, 1M. Styles: ${STYLES.join(', ')}. Studies: volume, ma, ema, bb, rsi, macd, stoch, atr, obv, vwap… (a number sets the length: ema20).`
].join('\n')

/**
 * Splits a message into arguments: whitespace separates, double quotes group (`"Bollinger Bands"`), a backslash
 * escapes the next character inside quotes. Hand-written: the grammar is this one rule, smaller than any parser
 * library's setup.
 */
export function tokenize (message: string): { ok: true, tokens: string[] } | { ok: false, message: string } {
  const tokens: string[] = []
  let current: string | null = null
  let quoted = false
  for (let i = 0; i < message.length; i++) {
    const char = message[i]
    if (quoted) {
      if (char === '\\' && i + 1 < message.length) current += message[++i]
      else if (char === '"') quoted = false
      else current += char
    } else if (char === '"') {
      quoted = true
      current ??= ''
    } else if (/\s/.test(char)) {
      if (current !== null) tokens.push(current)
      current = null
    } else {
      current = (current ?? '') + char
    }
  }
  if (quoted) return { ok: false, message: 'A quote is not closed.' }
  if (current !== null) tokens.push(current)
  return { ok: true, tokens }
}

/** `key=value` → [key, value]; a quoted `=` is still a separator (quotes only group). */
function splitOption (token: string): [string, string] | null {
  const at = token.indexOf('=')
  return at > 0 ? [token.slice(0, at).toLowerCase(), token.slice(at + 1)] : null
}

const isStyleName = (token: string): boolean => (STYLES as readonly string[]).includes(token) || Object.hasOwn(STYLE_ALIASES, token)
const isKnownStudy = (token: string): boolean => STUDY_ALIAS_NAMES[looseKey(resolveStudyAlias({ name: token }).name)] !== undefined
const startsWithDigit = (token: string): boolean => token.length > 0 && token[0] >= '0' && token[0] <= '9'

function invalid (message: string): ChatCommand {
  return { kind: 'invalid', message }
}

function parseChart (words: string[]): ChatCommand {
  const [symbol, ...rest] = words
  if (symbol === undefined || splitOption(symbol) !== null) return invalid('chart needs a symbol first, e.g. chart SP:SPX 1W candle rsi.')
  const args: Record<string, unknown> = { symbol }
  const studies: Array<{ name: string }> = []
  for (const token of rest) {
    const option = splitOption(token)
    if (option !== null) {
      const [key, value] = option
      switch (key) {
        case 'range': {
          const preset = RANGE_PRESETS.find((p) => p.toLowerCase() === value.toLowerCase())
          args.range = preset ?? value
          break
        }
        case 'theme':
          args.theme = THEMES.find((theme) => theme === value.toLowerCase()) ?? value
          break
        case 'size': {
          const [width, height, extra] = value.toLowerCase().split('x')
          if (extra !== undefined || height === undefined || !/^\d+$/.test(width) || !/^\d+$/.test(height)) return invalid(`size must be WIDTHxHEIGHT, e.g. size=800x600 (got ${JSON.stringify(value)}).`)
          args.width = Number(width)
          args.height = Number(height)
          break
        }
        case 'format':
        case 'timezone':
          args[key] = value
          break
        default:
          return invalid(`chart has no option ${JSON.stringify(key)}; use range=, theme=, size=, format= or timezone=.`)
      }
    } else if (startsWithDigit(token)) {
      if (args.interval !== undefined) return invalid(`Two intervals given (${String(args.interval)} and ${token}); give one.`)
      args.interval = token
    } else if (isStyleName(token) || (!isKnownStudy(token) && suggestStyle(token, STYLES) !== undefined)) {
      if (args.style !== undefined) return invalid(`Two styles given (${String(args.style)} and ${token}); give one.`)
      args.style = token
    } else {
      studies.push({ name: token })
    }
  }
  if (studies.length > 0) args.studies = studies
  return { kind: 'tool', tool: 'generate_chart', arguments: args }
}

function parseSymbols (words: string[]): ChatCommand {
  const args: Record<string, unknown> = {}
  const query: string[] = []
  for (const token of words) {
    const option = splitOption(token)
    if (option === null) {
      query.push(token)
    } else if (option[0] === 'exchange') {
      args.exchange = option[1]
    } else if (option[0] === 'limit') {
      if (!/^\d+$/.test(option[1])) return invalid(`limit must be a whole number (got ${JSON.stringify(option[1])}).`)
      args.limit = Number(option[1])
    } else {
      return invalid(`symbols has no option ${JSON.stringify(option[0])}; use exchange= or limit=.`)
    }
  }
  if (query.length > 0) args.query = query.join(' ')
  return { kind: 'tool', tool: 'get_available_symbols', arguments: args }
}

function parseRecent (words: string[]): ChatCommand {
  if (words.length > 1) return invalid('recent takes at most one number, e.g. recent 5.')
  if (words.length === 0) return { kind: 'tool', tool: 'get_recent_requests', arguments: {} }
  if (!/^\d+$/.test(words[0])) return invalid(`recent takes a number of requests, e.g. recent 5 (got ${JSON.stringify(words[0])}).`)
  return { kind: 'tool', tool: 'get_recent_requests', arguments: { limit: Number(words[0]) } }
}

function parseStatus (words: string[]): ChatCommand {
  if (words.length !== 1) return invalid('status takes one request id, e.g. status req_1749698104642_1a2b3c4d (see recent).')
  return { kind: 'tool', tool: 'get_chart_status', arguments: { requestId: words[0] } }
}

/** Parses one chat message. An empty message or an unknown command is `help` or `invalid` (shown with the help). */
export function parseCommand (message: string): ChatCommand {
  const tokenized = tokenize(message)
  if (!tokenized.ok) return invalid(tokenized.message)
  const [command, ...words] = tokenized.tokens
  switch (command?.toLowerCase()) {
    case undefined:
    case 'help':
    case '?':
      return { kind: 'help' }
    case 'chart':
      return parseChart(words)
    case 'symbols':
      return parseSymbols(words)
    case 'recent':
      return parseRecent(words)
    case 'status':
      return parseStatus(words)
    default:
      return invalid(`Unknown command ${JSON.stringify(command)}.`)
  }
}
