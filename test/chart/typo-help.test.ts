/**
 * Help for typos, driven the way generate_chart validates a call: the tool's zod schema, then normalizeChartRequest,
 * then an engine. Study aliases reach both engines as Chart-IMG names; near misses of intervals, styles, symbols and
 * studies get a "did you mean"; everything accepted before is still accepted.
 */
import t from 'tap'
import { generateChartInput, INTERVALS, normalizeChartRequest, STYLES, STYLE_ALIASES, type ChartRequest } from '../../src/chart/request.js'
import { buildAdvancedChartBody } from '../../src/engines/chart-img/request-body.js'
import { prepareJob } from '../../src/engines/local/prepare-job.js'
import { computeStudy, SUPPORTED_STUDIES } from '../../src/indicators/studies.js'
import { bundledCatalog } from '../render/helpers.js'

const catalog = bundledCatalog()
t.teardown(() => catalog.close())

/** The schema's message for `args`, as the MCP layer prints it (`path: message`), or null when the args pass. */
function refusal (args: Record<string, unknown>): string | null {
  const parsed = generateChartInput.safeParse({ symbol: 'SP:SPX', ...args })
  return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
}

function normalized (args: Record<string, unknown>): ChartRequest {
  return normalizeChartRequest(generateChartInput.parse({ symbol: 'SP:SPX', ...args }), { storage: false })
}

t.test('intervals: the one meant, by case, unit word or minutes', async (t) => {
  const cases: Array<[string, string]> = [['1d', '1D'], ['1w', '1W'], ['1H', '1h'], ['4H', '4h'], ['daily', '1D'], ['1 day', '1D'], ['weekly', '1W'],
    ['monthly', '1M'], ['15min', '15m'], ['1hr', '1h'], ['60', '1h'], ['240', '4h'], ['5', '5m'], ['1mo', '1M']]
  for (const [given, meant] of cases) {
    const message = refusal({ interval: given })
    t.match(message, `interval: "${given}" is not an interval. Did you mean "${meant}"? Use one of 1m 3m`, given)
  }
  t.notMatch(refusal({ interval: '3M' }), /Did you mean/, '3M (three months) is not guessed as 3m (three minutes)')
  t.notMatch(refusal({ interval: 'fortnightly' }), /Did you mean/, 'nothing close: only the valid list')
})

t.test('styles: synonyms and spellings', async (t) => {
  const cases: Array<[string, string]> = [['candles', 'candle'], ['candlestick ', 'candle'], ['Heikin-Ashi', 'heikinAshi'], ['heiken ashi', 'heikinAshi'],
    ['hollow', 'hollowCandle'], ['ohlc', 'bar'], ['mountain', 'area'], ['lnie', 'line'], ['Baseline', 'baseline'], ['high-low', 'hiLo']]
  for (const [given, meant] of cases) t.match(refusal({ style: given }), `style: "${given}" is not a style. Did you mean "${meant}"?`, given)
  t.match(refusal({ chartType: 'candles' }), 'chartType: "candles" is not a style. Did you mean "candle"?', 'chartType too')
})

t.test('symbols: a bare ticker or another separator gets the EXCHANGE:TICKER to use', async (t) => {
  t.match(refusal({ symbol: 'AAPL' }), 'symbol: must be EXCHANGE:TICKER, e.g. NASDAQ:AAPL or SP:SPX (got "AAPL"). Did you mean "NASDAQ:AAPL"?')
  t.match(refusal({ symbol: 'spx' }), 'Did you mean "SP:SPX"?')
  t.match(refusal({ symbol: 'NYSE IBM' }), 'Did you mean "NYSE:IBM"?')
  t.match(refusal({ symbol: 'BINANCE/BTCUSDT' }), 'Did you mean "BINANCE:BTCUSDT"?', 'any exchange: the separator fixed')
  t.notMatch(refusal({ symbol: 'TSLA' }), /Did you mean/, 'a ticker no bundled symbol has: no guess')
  // The engine's catalog knows every symbol it has, user files included.
  t.throws(() => catalog.getSeries('NYSE:AAPL', '1D'), { code: 'UNKNOWN_SYMBOL', message: /^Unknown symbol NYSE:AAPL\. Did you mean "NASDAQ:AAPL"\?/ })
  t.throws(() => catalog.getSeries('SP:SPY', '1D'), { message: /Did you mean "SP:SPX"\?/ })
})

t.test('study aliases become Chart-IMG names, for both engines', async (t) => {
  const request = normalized({
    studies: [{ name: 'RSI' }, { name: 'EMA 20' }, { name: 'SMA' }, { name: 'BB' }, { name: 'MACD' }, { name: 'VWAP' }, { name: 'MA 50' },
      { name: 'ema(50)', input: { length: 9 } }, { name: 'relative strength index' }, { name: 'Ichimoku Cloud' }]
  })
  t.same(request.studies, [
    { name: 'Relative Strength Index' },
    { name: 'Moving Average Exponential', input: { length: 20 } },
    { name: 'Moving Average' },
    { name: 'Bollinger Bands' },
    { name: 'MACD' },
    { name: 'VWAP' },
    { name: 'Moving Average', input: { length: 50 } },
    { name: 'Moving Average Exponential', input: { length: 9 } },
    { name: 'Relative Strength Index' },
    { name: 'Ichimoku Cloud' }
  ], 'a length in the name fills input.length unless the request gives one; unknown names pass unchanged')

  // Chart-IMG: the body carries the full names (one call is not spent on a name Chart-IMG refuses).
  const body = buildAdvancedChartBody(normalized({ studies: [{ name: 'EMA 20' }, { name: 'RSI' }, { name: 'BB' }] }))
  t.same(body.studies, [{ name: 'Moving Average Exponential', input: { length: 20 } }, { name: 'Relative Strength Index' }, { name: 'Bollinger Bands' }])

  // Embedded engine: the studio's checkbox labels draw.
  const { job } = prepareJob(normalized({ range: '6M', studies: [{ name: 'MA 50' }, { name: 'EMA 20' }, { name: 'RSI' }, { name: 'BB' }, { name: 'MACD' }, { name: 'Volume' }] }), catalog)
  t.same(job.studies.map((s) => s.title), ['MA 50 close', 'EMA 20 close', 'RSI 14 close', 'BB 20 close 2', 'MACD 12 26 close 9', 'Volume'])
})

t.test('studies the embedded engine does not know: did you mean, then the list', async (t) => {
  const series = catalog.getSeries('SP:SPX', '1D')
  const fail = (name: string): RegExp | string => {
    try {
      computeStudy({ name }, series, 'light')
    } catch (error) {
      return (error as Error).message
    }
    return 'drawn'
  }
  t.match(fail('Relative Strenght Index'), 'Study "Relative Strenght Index" is not supported by the embedded engine. Did you mean "Relative Strength Index"? Supported studies:')
  t.match(fail('Bolinger Bands'), 'Did you mean "Bollinger Bands"?')
  t.match(fail('Stochastik'), 'Did you mean "Stochastic"?')
  t.notMatch(fail('VWAP'), /Did you mean/, 'VWAP is a Chart-IMG study the embedded engine does not draw: no misleading guess')
  t.match(fail('VWAP'), `Supported studies: ${SUPPORTED_STUDIES.join(', ')}`)
})

t.test('additive: every value accepted before is still accepted as it was', async (t) => {
  for (const interval of INTERVALS) t.equal(normalized({ interval }).interval, interval)
  for (const style of STYLES) t.equal(normalized({ style }).style, style)
  for (const [alias, style] of Object.entries(STYLE_ALIASES)) t.equal(normalized({ chartType: alias }).style, style)
  for (const name of SUPPORTED_STUDIES) {
    const [study] = normalized({ studies: [{ name, input: { length: 5 } }] }).studies
    t.equal(study.name, name === 'Moving Average Convergence Divergence' ? 'MACD' : name, `${name} keeps its name`)
    t.same(study.input, { length: 5 })
  }
})

t.test('close-only symbols: offered and accepted only the styles their data can draw', async (t) => {
  const listing = catalog.listSymbols({ query: 'AAPL' }).symbols[0]
  t.same(listing.styles, ['line', 'area', 'baseline', 'column'], 'monthly closes: close styles only')
  t.same(catalog.listSymbols({ query: 'SP:SPX' }).symbols[0].styles, [...STYLES], 'OHLCV: every style')
  t.throws(() => prepareJob(normalized({ symbol: 'NASDAQ:AAPL', interval: '1M', style: 'heikinAshi' }), catalog), {
    code: 'UNSUPPORTED_STYLE',
    message: 'NASDAQ:AAPL has monthly closes only (no open, high or low), so style heikinAshi cannot be drawn; use style line, area, baseline or column (get_available_symbols lists each symbol\'s styles)'
  })
})
