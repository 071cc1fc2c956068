/**
 * Help for typos over HTTP, as a client sees it: JSON-RPC tools/call on POST /mcp/tools/call of the real app
 * (embedded engine, bundled data).
 */
import t from 'tap'
import { callTool, startApp } from '../support/app.js'

interface ToolAnswer { status: number, body: any }

/** The one text a client shows for an answer: the JSON-RPC error message, or the tool result's first text. */
const textOf = (answer: ToolAnswer): string => answer.body.error?.message ?? answer.body.result?.content?.find((c: { type: string }) => c.type === 'text')?.text ?? ''

t.test('did you mean, over POST /mcp/tools/call', async (t) => {
  const { url } = await startApp(t)
  const call = (args: Record<string, unknown>): Promise<ToolAnswer> => callTool(url, 'generate_chart', { width: 400, height: 300, ...args })

  const interval = await call({ symbol: 'SP:SPX', interval: '1d' })
  t.equal(interval.body.error?.code, -32602, 'a bad argument is invalid params')
  t.match(textOf(interval), 'interval: "1d" is not an interval. Did you mean "1D"?')

  const style = await call({ symbol: 'SP:SPX', style: 'candles' })
  t.match(textOf(style), 'style: "candles" is not a style. Did you mean "candle"?')

  const symbol = await call({ symbol: 'AAPL' })
  t.match(textOf(symbol), 'symbol: must be EXCHANGE:TICKER, e.g. NASDAQ:AAPL or SP:SPX (got "AAPL"). Did you mean "NASDAQ:AAPL"?')

  // The symbol is well-formed but not in the data: the engine's catalog answers.
  const exchange = await call({ symbol: 'NYSE:AAPL', interval: '1M', style: 'line' })
  t.equal(exchange.body.result?.isError, true, 'a tool that ran and failed is a result')
  t.match(textOf(exchange), 'Unknown symbol NYSE:AAPL. Did you mean "NASDAQ:AAPL"?')

  const study = await call({ symbol: 'SP:SPX', studies: [{ name: 'Relative Strenght Index' }] })
  t.match(textOf(study), 'Did you mean "Relative Strength Index"?')

  const style2 = await call({ symbol: 'NASDAQ:AAPL', interval: '1M', style: 'heikinAshi' })
  t.equal(style2.body.result?.isError, true)
  t.match(textOf(style2), 'NASDAQ:AAPL has monthly closes only (no open, high or low), so style heikinAshi cannot be drawn; use style line, area, baseline or column')
})

t.test('aliases draw: the studio\'s labels and short names are charts, not errors', async (t) => {
  const { url } = await startApp(t)
  const answer = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', range: '6M', width: 400, height: 300, studies: [{ name: 'RSI' }, { name: 'EMA 20' }, { name: 'SMA' }, { name: 'BB' }, { name: 'MACD' }] })
  t.equal(answer.body.result?.isError, undefined, textOf(answer))
  t.match(textOf(answer), /^Chart ready: SP:SPX 1D candle/)
  t.ok(answer.body.result.content.some((c: { type: string }) => c.type === 'image'), 'with the image')

  const listing = await callTool(url, 'get_available_symbols', { query: 'AAPL' })
  const symbols = JSON.parse(textOf(listing)).symbols as Array<{ symbol: string, styles: string[] }>
  t.same(symbols.map((s) => [s.symbol, s.styles]), [['NASDAQ:AAPL', ['line', 'area', 'baseline', 'column']]], 'the listing offers only the styles the data can draw')
})
