/**
 * Load generator for bench/heartbeat-during-renders.ts, run as its own process so parsing the large responses never
 * delays the process that timestamps heartbeats. Prints `ok failed seconds`.
 *   node --import tsx bench/support/render-burst.ts <baseUrl> <count>
 */
const [base, countText] = process.argv.slice(2)
const count = Number(countText)

const fourPane = (i: number): string => JSON.stringify({
  jsonrpc: '2.0',
  id: i,
  method: 'tools/call',
  params: {
    name: 'generate_chart',
    arguments: {
      symbol: 'SP:SPX',
      interval: '1D',
      // A different end date per request, so no two renders share a cache entry.
      range: { from: '2010-01-01', to: `2019-12-${String(1 + (i % 28)).padStart(2, '0')}` },
      width: 1920,
      height: 1080,
      theme: i % 2 === 0 ? 'dark' : 'light',
      studies: [{ name: 'Volume' }, { name: 'Relative Strength Index' }, { name: 'MACD' }, { name: 'Moving Average', input: { length: 50 } }]
    }
  }
})

let ok = 0
let failed = 0
const started = performance.now()
await Promise.all(Array.from({ length: count }, async (_, i) => {
  const response = await fetch(`${base}/mcp/tools/call`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fourPane(i) })
  const text = await response.text()
  if (response.ok && !text.includes('"isError":true')) ok++
  else failed++
}))
console.log(`${ok} ${failed} ${((performance.now() - started) / 1000).toFixed(1)}`)
