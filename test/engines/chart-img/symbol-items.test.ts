import t from 'tap'
import { payloadItems, toExchange, toSymbolInfo } from '../../../src/engines/chart-img/symbol-listing.js'

t.test('payload shapes: under payload, bare array, payload.symbols / payload.exchanges', async (t) => {
  const read = (value: unknown): unknown[] => payloadItems(Buffer.from(JSON.stringify(value)), '/x')
  t.same(read({ payload: ['A'] }), ['A'])
  t.same(read(['B']), ['B'])
  t.same(read({ payload: { symbols: ['C'] } }), ['C'])
  t.same(read({ payload: { exchanges: ['D'] } }), ['D'])
  t.throws(() => read({ data: 1 }), { code: 'UPSTREAM' })
  t.throws(() => payloadItems(Buffer.from('<html>'), '/x'), { code: 'UPSTREAM', message: /not JSON/ })
})

t.test('exchange items: strings or objects', async (t) => {
  t.same(toExchange('NASDAQ'), { name: 'NASDAQ' })
  t.same(toExchange({ exchange: 'NYSE', description: 'New York' }), { name: 'NYSE', description: 'New York' })
  t.same(toExchange({ exchange: 'BINANCE', name: 'Binance' }), { name: 'BINANCE', description: 'Binance' })
  t.same(toExchange({ name: 'SP' }), { name: 'SP' })
  t.equal(toExchange(7), null)
  t.equal(toExchange(''), null)
})

t.test('symbol items: prefixed strings, bare tickers, objects with symbol/name/description/exchange', async (t) => {
  const pick = (item: unknown): unknown => {
    const s = toSymbolInfo(item, 'NASDAQ')
    return s === null ? null : [s.symbol, s.exchange, s.ticker, s.description]
  }
  t.same(pick('NASDAQ:AAPL'), ['NASDAQ:AAPL', 'NASDAQ', 'AAPL', undefined])
  t.same(pick('MSFT'), ['NASDAQ:MSFT', 'NASDAQ', 'MSFT', undefined])
  t.same(pick({ symbol: 'AAPL', name: 'Apple Inc' }), ['NASDAQ:AAPL', 'NASDAQ', 'AAPL', 'Apple Inc'])
  t.same(pick({ name: 'TSLA', description: 'Tesla' }), ['NASDAQ:TSLA', 'NASDAQ', 'TSLA', 'Tesla'])
  t.same(pick({ symbol: 'SPY', exchange: 'amex' }), ['AMEX:SPY', 'AMEX', 'SPY', undefined])
  t.same(pick({ full_name: 'BATS:QQQ' }), ['BATS:QQQ', 'BATS', 'QQQ', undefined])
  t.equal(pick({}), null)
  t.equal(pick('NASDAQ:'), null)
  t.equal(toSymbolInfo('X', 'EX')?.source, 'chart-img')
})
