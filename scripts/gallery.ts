/**
 * Draws the embedded engine's gallery: one PNG per chart style, the main studies, the drawings, both themes and a
 * four-pane chart, written to docs/gallery/ with a README showing each picture next to the request that made it.
 *
 *   npx tsx scripts/gallery.ts
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { pino } from 'pino'
import { createLocalEngine } from '../src/engines/local/local-engine.js'
import { drawGallery, type GalleryPicture } from './draw-gallery.js'

const size = { width: 800, height: 500 }
const PICTURES: GalleryPicture[] = [
  { file: 'style-candle.png', title: 'Candles with Volume and a 50-bar moving average', args: { symbol: 'SP:SPX', style: 'candle', ...size, studies: [{ name: 'Volume' }, { name: 'Moving Average', input: { length: 50 } }] } },
  { file: 'style-bar.png', title: 'OHLC bars', args: { symbol: 'CBOE:VIX', style: 'bar', ...size } },
  { file: 'style-line.png', title: 'Line, one year', args: { symbol: 'SP:SPX', style: 'line', range: '1Y', ...size } },
  { file: 'style-area.png', title: 'Area, five years, dark', args: { symbol: 'SP:SPX', style: 'area', range: '5Y', theme: 'dark', ...size } },
  { file: 'style-heikin-ashi.png', title: 'Heikin-Ashi', args: { symbol: 'SP:SPX', style: 'heikinAshi', range: '3M', ...size } },
  { file: 'style-hollow-candle.png', title: 'Hollow candles, dark', args: { symbol: 'SP:SPX', style: 'hollowCandle', range: '3M', theme: 'dark', ...size } },
  { file: 'style-baseline.png', title: 'Baseline (base = first visible close), monthly closes', args: { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'baseline', range: 'ALL', ...size } },
  { file: 'style-hilo.png', title: 'High–low bars, dark', args: { symbol: 'CBOE:VIX', style: 'hiLo', theme: 'dark', ...size } },
  { file: 'style-column.png', title: 'Columns, monthly closes', args: { symbol: 'NASDAQ:MSFT', interval: '1M', style: 'column', range: 'ALL', ...size } },
  { file: 'study-ma-ema-bb.png', title: 'Moving Average, EMA and Bollinger Bands', args: { symbol: 'SP:SPX', range: '6M', ...size, studies: [{ name: 'Bollinger Bands' }, { name: 'Moving Average', input: { length: 50 } }, { name: 'Moving Average Exponential', input: { length: 21 }, override: { 'Plot.color': 'rgb(255,109,0)' } }] } },
  { file: 'study-rsi.png', title: 'Relative Strength Index', args: { symbol: 'SP:SPX', range: '6M', ...size, studies: [{ name: 'Relative Strength Index', input: { length: 14 } }] } },
  { file: 'study-macd.png', title: 'MACD, dark', args: { symbol: 'SP:SPX', range: '6M', theme: 'dark', ...size, studies: [{ name: 'MACD' }] } },
  { file: 'study-stochastic.png', title: 'Stochastic', args: { symbol: 'CBOE:VIX', ...size, studies: [{ name: 'Stochastic' }] } },
  { file: 'study-atr-obv.png', title: 'Average True Range and On Balance Volume', args: { symbol: 'SP:SPX', range: '1Y', ...size, studies: [{ name: 'Average True Range' }, { name: 'On Balance Volume' }] } },
  { file: 'study-volume-overlay.png', title: 'Volume overlaid on the price pane (forceOverlay) with VWMA', args: { symbol: 'SP:SPX', range: '3M', ...size, studies: [{ name: 'Volume', forceOverlay: true }, { name: 'Volume Weighted Moving Average' }] } },
  { file: 'drawing-lines.png', title: 'Horizontal line and trend line', args: { symbol: 'CBOE:VIX', ...size, drawings: [{ name: 'Horizontal Line', input: { price: 28, text: 'Resistance' } }, { name: 'Trend Line', input: { startDatetime: '2009-06-05', startPrice: 32, endDatetime: '2009-07-20', endPrice: 25, text: 'Downtrend' }, override: { lineColor: 'rgb(255,109,0)', lineWidth: 2 } }] } },
  { file: 'drawing-long-position.png', title: 'Long position', args: { symbol: 'SP:SPX', range: '3M', ...size, drawings: [{ name: 'Long Position', input: { startDatetime: '2020-03-24', endDatetime: '2020-04-15', entryPrice: 2450, targetPrice: 2900, stopPrice: 2250, text: 'Bounce' } }] } },
  { file: 'drawing-short-position.png', title: 'Short position, dark', args: { symbol: 'SP:SPX', range: '3M', theme: 'dark', ...size, drawings: [{ name: 'Short Position', input: { startDatetime: '2020-02-21', endDatetime: '2020-03-20', entryPrice: 3300, targetPrice: 2500, stopPrice: 3450 } }] } },
  { file: 'drawing-labels.png', title: 'Drawing labels placed clear of the candles and the legend; price tags kept apart', args: { symbol: 'SP:SPX', range: '6M', ...size, drawings: [{ name: 'Horizontal Line', input: { price: 3380, text: 'All-time high' } }, { name: 'Horizontal Line', input: { price: 2900, text: 'Support' } }, { name: 'Trend Line', input: { startDatetime: '2020-02-19', startPrice: 3386, endDatetime: '2020-03-23', endPrice: 2237, text: 'Crash' } }] } },
  { file: 'range-short.png', title: 'A short custom range: the first label names the year', args: { symbol: 'SP:SPX', range: { from: '2008-09-01', to: '2008-12-31' }, ...size } },
  { file: 'range-5d.png', title: 'Range 5D: day labels with month and year', args: { symbol: 'SP:SPX', range: '5D', ...size } },
  { file: 'range-1d.png', title: 'Range 1D on daily data: one candle, its date, the change from the previous close', args: { symbol: 'SP:SPX', range: '1D', ...size } },
  { file: 'range-all-1d.png', title: 'Range ALL at 1D: drawn at 1W (over 1,500 daily bars), said in the notes', args: { symbol: 'SP:SPX', interval: '1D', range: 'ALL', ...size } },
  { file: 'line-with-moving-averages.png', title: 'Line with two moving averages: each study its own colour', args: { symbol: 'SP:SPX', style: 'line', range: '1Y', ...size, studies: [{ name: 'Moving Average', input: { length: 50 } }, { name: 'Moving Average Exponential', input: { length: 21 } }] } },
  { file: 'four-pane-light.png', title: 'Four panes: price with Bollinger Bands, Volume, RSI, MACD', args: { symbol: 'SP:SPX', range: '6M', width: 800, height: 640, studies: [{ name: 'Bollinger Bands' }, { name: 'Volume' }, { name: 'Relative Strength Index' }, { name: 'MACD' }] } },
  { file: 'four-pane-dark.png', title: 'Four panes, dark', args: { symbol: 'SP:SPX', range: '6M', theme: 'dark', width: 800, height: 640, studies: [{ name: 'Moving Average Exponential', input: { length: 21 } }, { name: 'Volume' }, { name: 'Stochastic' }, { name: 'MACD' }] } }
]

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'docs', 'gallery')

async function main (): Promise<void> {
  const engine = createLocalEngine({ workers: 2, queueLimit: 64, cacheEntries: 0, log: pino({ level: 'warn' }) })
  try {
    await drawGallery({
      outDir,
      engine,
      pictures: PICTURES,
      intro: [
        '# Embedded engine gallery',
        '',
        'Charts drawn by the embedded engine (ECharts server-side SVG → resvg, DejaVu Sans) from the bundled market data,',
        'with no Chart-IMG key. Each picture shows the `generate_chart` arguments that made it. Regenerate with',
        '`npx tsx scripts/gallery.ts`.',
        '',
        "Crypto and intraday charts from the online providers (synthetic prices from the test suite's fake providers): [market/](market/README.md)."
      ]
    })
  } finally {
    await engine.close()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
