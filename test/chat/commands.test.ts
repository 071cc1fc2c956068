/**
 * The chat's command grammar (src/chat/commands.ts): tokens, classification of chart arguments, and every refusal.
 * Parsing only: the tool calls themselves are driven over HTTP in test/chat/chat-commands-http.test.ts.
 */
import t from 'tap'
import { parseCommand, tokenize } from '../../src/chat/commands.js'

t.test('tokenize: whitespace separates, quotes group, an unclosed quote is refused', async (t) => {
  t.same(tokenize('  chart   SP:SPX\t1W  '), { ok: true, tokens: ['chart', 'SP:SPX', '1W'] })
  t.same(tokenize('chart SP:SPX "Bollinger Bands" rsi'), { ok: true, tokens: ['chart', 'SP:SPX', 'Bollinger Bands', 'rsi'] })
  t.same(tokenize('symbols "say \\"hi\\""'), { ok: true, tokens: ['symbols', 'say "hi"'] })
  t.same(tokenize('a ""'), { ok: true, tokens: ['a', ''] })
  t.same(tokenize('chart "open'), { ok: false, message: 'A quote is not closed.' })
})

t.test('chart: symbol, then interval / style / studies / options in any order', async (t) => {
  t.same(parseCommand('chart SP:SPX 1W candle rsi macd'), {
    kind: 'tool', tool: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1W', style: 'candle', studies: [{ name: 'rsi' }, { name: 'macd' }] }
  })
  t.same(parseCommand('CHART SP:SPX rsi 1D line'), {
    kind: 'tool', tool: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1D', style: 'line', studies: [{ name: 'rsi' }] }
  }, 'case-insensitive command, studies before interval')
  t.same(parseCommand('chart NASDAQ:AAPL 1M line ema20 "Bollinger Bands" range=1y theme=dark size=640x400'), {
    kind: 'tool',
    tool: 'generate_chart',
    arguments: { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', studies: [{ name: 'ema20' }, { name: 'Bollinger Bands' }], range: '1Y', theme: 'dark', width: 640, height: 400 }
  })
  t.same(parseCommand('chart SP:SPX candlestick'), { kind: 'tool', tool: 'generate_chart', arguments: { symbol: 'SP:SPX', style: 'candlestick' } }, 'style aliases are styles')
  // Near misses go to the tool so its schema answers with "did you mean".
  t.same(parseCommand('chart SP:SPX 1d candles'), { kind: 'tool', tool: 'generate_chart', arguments: { symbol: 'SP:SPX', interval: '1d', style: 'candles' } })
  t.same(parseCommand('chart SP:SPX bb vol'), { kind: 'tool', tool: 'generate_chart', arguments: { symbol: 'SP:SPX', studies: [{ name: 'bb' }, { name: 'vol' }] } }, 'a study alias close to a style name stays a study')
})

t.test('chart: refusals say what to write', async (t) => {
  t.match(parseCommand('chart'), { kind: 'invalid', message: /needs a symbol/ })
  t.match(parseCommand('chart range=1Y'), { kind: 'invalid', message: /needs a symbol/ })
  t.match(parseCommand('chart SP:SPX 1D 1W'), { kind: 'invalid', message: /Two intervals/ })
  t.match(parseCommand('chart SP:SPX line bar'), { kind: 'invalid', message: /Two styles/ })
  t.match(parseCommand('chart SP:SPX size=big'), { kind: 'invalid', message: /size must be WIDTHxHEIGHT/ })
  t.match(parseCommand('chart SP:SPX size=1x2x3'), { kind: 'invalid', message: /size must be WIDTHxHEIGHT/ })
  t.match(parseCommand('chart SP:SPX colour=red'), { kind: 'invalid', message: /no option "colour"/ })
  t.match(parseCommand('chart SP:SPX "rsi'), { kind: 'invalid', message: /quote is not closed/ })
})

t.test('symbols, recent, status, help, unknown', async (t) => {
  t.same(parseCommand('symbols'), { kind: 'tool', tool: 'get_available_symbols', arguments: {} })
  t.same(parseCommand('symbols s&p 500 exchange=SP limit=3'), { kind: 'tool', tool: 'get_available_symbols', arguments: { query: 's&p 500', exchange: 'SP', limit: 3 } })
  t.match(parseCommand('symbols limit=lots'), { kind: 'invalid', message: /limit must be a whole number/ })
  t.match(parseCommand('symbols sort=name'), { kind: 'invalid', message: /no option "sort"/ })
  t.same(parseCommand('recent'), { kind: 'tool', tool: 'get_recent_requests', arguments: {} })
  t.same(parseCommand('recent 3'), { kind: 'tool', tool: 'get_recent_requests', arguments: { limit: 3 } })
  t.match(parseCommand('recent few'), { kind: 'invalid', message: /recent takes a number/ })
  t.match(parseCommand('recent 1 2'), { kind: 'invalid', message: /at most one number/ })
  t.same(parseCommand('status req_1_ab'), { kind: 'tool', tool: 'get_chart_status', arguments: { requestId: 'req_1_ab' } })
  t.match(parseCommand('status'), { kind: 'invalid', message: /one request id/ })
  t.same(parseCommand('help'), { kind: 'help' })
  t.same(parseCommand('   '), { kind: 'help' })
  t.match(parseCommand('draw me a chart'), { kind: 'invalid', message: 'Unknown command "draw".' })
})
