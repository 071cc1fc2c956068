import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseMarketCsv } from '../../src/market/csv.js'
import { symbolFromFileName } from '../../src/market/user-data.js'

const fixture = (name: string) => parseMarketCsv(readFileSync(new URL(`../fixtures/market/${name}`, import.meta.url), 'utf8'), name)

t.test('good files: fields and native interval', async (t) => {
  t.match(fixture('TEST_DAILY.csv'), { ok: true, fields: 'ohlcv', interval: '1D' })
  const close = fixture('TEST_CLOSEONLY.csv')
  t.match(close, { ok: true, fields: 'close', interval: '1D' })
  if (close.ok) t.same(close.bars[1], { time: Date.parse('2023-01-03T00:00:00Z'), open: 101.5, high: 101.5, low: 101.5, close: 101.5, volume: null })
  t.match(fixture('TEST_INTRADAY5.csv'), { ok: true, fields: 'ohlcv', interval: '5m' })
  t.match(parseMarketCsv('date,open,high,low,close\n2024-01-01,1,2,0.5,1.5\n', 'X_Y.csv'), { ok: true, fields: 'ohlc', interval: '1D' })
})

t.test('interval inference: median spacing mapped to the nearest Chart-IMG interval', async (t) => {
  const rows = (dates: string[]): string => `date,close\n${dates.map((d) => `${d},1`).join('\n')}\n`
  t.match(parseMarketCsv(rows(['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22']), 'A_B.csv'), { interval: '1W' })
  t.match(parseMarketCsv(rows(['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01']), 'A_B.csv'), { interval: '1M' })
  t.match(parseMarketCsv(rows(['2024-01-05', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11']), 'A_B.csv'), { interval: '1D' }, 'weekend gaps do not matter')
  t.match(parseMarketCsv(rows(['2024-01-01T00:00', '2024-01-01T04:00', '2024-01-01T08:00']), 'A_B.csv'), { interval: '4h' }, 'datetime without zone = UTC')
  t.match(parseMarketCsv(rows(['2024-01-01 09:30:00+01:00', '2024-01-01 09:31:00+01:00', '2024-01-01T09:32:00.000+01:00']), 'A_B.csv'), { interval: '1m' })
  const zoned = parseMarketCsv(rows(['2024-01-01T10:00:00+01:00']), 'A_B.csv')
  if (zoned.ok) t.equal(zoned.bars[0].time, Date.parse('2024-01-01T09:00:00Z'))
})

t.test('malformed files: one problem naming the file and the line', async (t) => {
  t.same(fixture('BAD_HIGHLOW.csv'), { ok: false, problem: 'BAD_HIGHLOW.csv line 4: high (11) is below low (13)' })
  t.same(fixture('BAD_NUMBER.csv'), { ok: false, problem: 'BAD_NUMBER.csv line 3: close "abc" is not a number' })
  t.same(fixture('BAD_HEADER.csv'), { ok: false, problem: 'BAD_HEADER.csv line 1: bad header "when,price"; expected date,open,high,low,close[,volume] or date,close' })
  t.same(fixture('BAD_UNSORTED.csv'), { ok: false, problem: 'BAD_UNSORTED.csv line 4: date 2024-01-02 is before the previous row\'s; rows must be sorted oldest first' })
  t.same(fixture('BAD_DUPLICATE.csv'), { ok: false, problem: 'BAD_DUPLICATE.csv line 4: duplicate date 2024-01-02 (also on line 3)' })
  t.same(fixture('BAD_DATE.csv'), { ok: false, problem: 'BAD_DATE.csv line 2: date "2024-02-30" is not YYYY-MM-DD or an ISO 8601 date-time' })
  t.match(parseMarketCsv('', 'E_F.csv'), { ok: false, problem: /E_F.csv: the file is empty/ })
  t.match(parseMarketCsv('date,close\n', 'E_F.csv'), { ok: false, problem: 'E_F.csv: no data rows after the header' })
  t.match(parseMarketCsv('date,open,close\n2024-01-01,1,2\n', 'E_F.csv'), { ok: false, problem: /line 1: bad header/ }, 'open without high/low')
  t.match(parseMarketCsv('date,open,high,low,close\n2024-01-01,1,2,0.5\n', 'E_F.csv'), { ok: false, problem: 'E_F.csv line 2: expected 5 values, found 4' })
  t.match(parseMarketCsv('date,open,high,low,close\n2024-01-01,3,2,0.5,1\n', 'E_F.csv'), { ok: false, problem: /line 2: high \(2\) is below the open or close/ })
  t.match(parseMarketCsv('date,close,volume\n2024-01-01,3,-5\n', 'E_F.csv'), { ok: false, problem: /line 2: volume \(-5\) is negative/ })
  t.match(parseMarketCsv('date,close,volume\n2024-01-01,3,\n', 'E_F.csv'), { ok: false, problem: /line 2: volume "" is not a number/ })
})

t.test('tolerated: BOM, CRLF, blank lines, quotes, extra columns, column order', async (t) => {
  const text = '\uFEFFDate,Close,Adj Close,Volume,Open,High,Low\r\n\r\n"2024-01-01",11,11,100,10,12,9\r\n2024-01-02,12,12,200,11,13,10\r\n\r\n'
  const parsed = parseMarketCsv(text, 'A_B.csv')
  t.match(parsed, { ok: true, fields: 'ohlcv' })
  if (parsed.ok) t.same(parsed.bars[0], { time: Date.parse('2024-01-01T00:00:00Z'), open: 10, high: 12, low: 9, close: 11, volume: 100 })
})

t.test('file names map to symbols', async (t) => {
  t.equal(symbolFromFileName('NASDAQ_TSLA.csv'), 'NASDAQ:TSLA')
  t.equal(symbolFromFileName('binance_btcusdt.p.csv'), 'BINANCE:BTCUSDT.P')
  t.equal(symbolFromFileName('CME_MINI_ES1!.CSV'), 'CME_MINI:ES1!', 'split at the last underscore')
  t.equal(symbolFromFileName('NOUNDERSCORE.csv'), undefined)
  t.equal(symbolFromFileName('_X.csv'), undefined)
  t.equal(symbolFromFileName('A_B C.csv'), undefined)
})
