/**
 * The symbol half of src/chart/suggestions.ts, which both the engine's unknown-symbol message (src/market/catalog.ts,
 * what the chat shows) and generate_chart's elicitation (src/tools/symbol-choice.ts) use: the one symbol meant, and
 * the known ones closest first.
 */
import t from 'tap'
import { nearestSymbol, rankSymbols, tickerOf } from '../../src/chart/suggestions.js'

const KNOWN = ['SP:SPX', 'CBOE:VIX', 'NASDAQ:AAPL', 'NASDAQ:AMZN', 'NASDAQ:GOOG', 'NASDAQ:GOOGL', 'NASDAQ:MSFT', 'NYSE:IBM', 'LSE:AAPL']

t.test('tickerOf: the part after the exchange, or the whole text', async (t) => {
  t.equal(tickerOf('NASDAQ:AAPL'), 'AAPL')
  t.equal(tickerOf('AAPL'), 'AAPL')
})

t.test('nearestSymbol: the same ticker on the symbol\'s own exchange, else the only exchange listing it', async (t) => {
  t.equal(nearestSymbol('NASDAQ:APPL', KNOWN), 'NASDAQ:AAPL', 'a typo of the ticker, on its exchange')
  t.equal(nearestSymbol('NYSE:AAPL', KNOWN), undefined, 'two exchanges list AAPL, neither is NYSE: no single guess')
  t.equal(nearestSymbol('NYSE:MSFT', KNOWN), 'NASDAQ:MSFT', 'one exchange lists MSFT')
  t.equal(nearestSymbol('NASDAQ:TSLA', KNOWN), undefined, 'tickers are compared: TSLA is no typo of AAPL')
})

t.test('rankSymbols: same ticker first, then shared text, then spelling; ties alphabetical', async (t) => {
  t.same(rankSymbols('NYSE:AAPL', KNOWN).slice(0, 2), ['LSE:AAPL', 'NASDAQ:AAPL'])
  t.same(rankSymbols('NYSE:GOOG', KNOWN).slice(0, 2), ['NASDAQ:GOOG', 'NASDAQ:GOOGL'])
  t.equal(rankSymbols('X:MSFTT', KNOWN)[0], 'NASDAQ:MSFT', 'a ticker that holds a known one')
  t.same(rankSymbols('NYSE:AAPL', []), [])
})
