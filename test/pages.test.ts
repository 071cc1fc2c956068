/**
 * The pages in static/ driven by headless Chromium (playwright-core + Debian's /usr/bin/chromium) against the real app
 * on 127.0.0.1: the chart studio makes a chart with live progress, and server text never becomes markup (seed 000's
 * demo page put server messages into innerHTML unescaped).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startApp } from './support/app.js'

/** PAGES_SCREENSHOT_DIR=dir npx tap test/pages.test.ts keeps a picture of each page for a person to look at. */
async function screenshot (page: Page, name: string): Promise<void> {
  const dir = process.env.PAGES_SCREENSHOT_DIR
  if (dir !== undefined) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

const CHROMIUM = '/usr/bin/chromium'
const XSS_TEXT = '<img src=x onerror="window.__xss=1">'

if (!existsSync(CHROMIUM)) {
  t.test('pages in headless Chromium', { skip: `${CHROMIUM} is missing (Debian package chromium): the page tests need a real browser` }, async () => {})
} else {
  let browser: Browser | undefined
  t.before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic']
    })
  })
  t.teardown(async () => { await browser?.close() })

  /** A fresh page that records uncaught page errors, closed at the end of the test. */
  async function openPage (t: { teardown: (fn: () => Promise<void>) => void }): Promise<{ page: Page, pageErrors: string[] }> {
    if (browser === undefined) throw new Error('browser not started')
    const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } })
    const page = await context.newPage()
    const pageErrors: string[] = []
    page.on('pageerror', (error) => { pageErrors.push(error.message) })
    t.teardown(async () => { await context.close() })
    return { page, pageErrors }
  }

  t.test('chart studio: form → live progress → image', async (t) => {
    const { url } = await startApp(t)
    const { page, pageErrors } = await openPage(t)
    await page.goto(`${url}/`)

    await page.waitForSelector('#log li[data-event="connected"]', { timeout: 60_000 })
    t.equal(await page.getAttribute('#stream-status', 'data-state'), 'open')
    t.match(await page.textContent('#client-id'), /^studio_\d+_[0-9a-f]{12}$/)

    await page.waitForSelector('#symbol option[value="SP:SPX"]', { state: 'attached', timeout: 60_000 })
    await page.selectOption('#symbol', 'SP:SPX')
    t.match(await page.textContent('#symbol-info'), /\S/, 'the symbol is described')
    await page.selectOption('#interval', '1W')
    await page.selectOption('#range', '1Y')
    await page.check('input[name=study][value="Volume"]')
    await page.check('input[name=study][value="Moving Average Exponential"]')
    await page.selectOption('#size', '800x600')
    await page.click('#generate')

    await page.waitForSelector('#log li[data-event="chart_progress"][data-status="completed"]', { timeout: 60_000 })
    await page.waitForFunction('(() => { const img = document.querySelector("#chart"); return img !== null && !img.hidden && img.complete && img.naturalWidth > 0 })()', undefined, { timeout: 60_000 })
    const size = await page.evaluate('(() => { const img = document.querySelector("#chart"); return { width: img.naturalWidth, height: img.naturalHeight } })()')
    t.same(size, { width: 800, height: 600 }, 'the PNG from the tool result is shown at its real size')

    const statuses = await page.$$eval('#log li[data-event="chart_progress"]', (items) => items.map((item) => item.getAttribute('data-status')))
    t.equal(statuses[0], 'started', 'progress starts with started')
    t.equal(statuses.at(-1), 'completed', 'and ends with completed')
    t.match(await page.textContent('#summary'), /Chart ready: SP:SPX 1W candle/)

    await page.waitForSelector('#recent tr[data-request-id]', { timeout: 60_000 })
    t.match(await page.textContent('#recent'), /SP:SPX/)

    await screenshot(page, 'studio')
    t.same(pageErrors, [], 'no uncaught errors in the page')
  })

  t.test('chart studio: server text is shown as text, never run as markup', async (t) => {
    const { url } = await startApp(t)
    const { page, pageErrors } = await openPage(t)

    // 1. A symbol list whose names and descriptions carry markup (as a hostile Chart-IMG listing or CSV could).
    await page.route('**/mcp/tools/call', async (route) => {
      const body = route.request().postDataJSON() as { id: number, params: { name: string } }
      if (body.params.name !== 'get_available_symbols') return await route.continue()
      const listing = {
        engine: 'local',
        total: 1,
        returned: 1,
        symbols: [{ symbol: 'EVIL:X', description: XSS_TEXT, intervals: ['1D', '<b>bold</b>'], exchange: 'EVIL', ticker: 'X', source: '<script>window.__xss=2</script>' }],
        problems: ['<img src=y onerror="window.__xss=3">']
      }
      await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { content: [{ type: 'text', text: JSON.stringify(listing) }] } }) })
    })
    await page.goto(`${url}/`)
    await page.waitForSelector('#symbol option[value="EVIL:X"]', { state: 'attached', timeout: 60_000 })
    t.equal(await page.textContent('#symbol option[value="EVIL:X"]'), `EVIL:X — ${XSS_TEXT}`)
    t.match(await page.textContent('#symbol-info'), XSS_TEXT)
    t.match(await page.textContent('#log'), '<img src=y onerror="window.__xss=3">')
    await page.unroute('**/mcp/tools/call')

    // 2. An error message from the real server that echoes the caller's input (an unknown study name).
    await page.evaluate('document.querySelector("#symbol").replaceChildren(new Option("SP:SPX", "SP:SPX"))')
    await page.selectOption('#interval', '1D')
    await page.fill('#custom-study', XSS_TEXT)
    await page.click('#generate')
    // Done when the button is back and either a result or an error is on screen.
    await page.waitForFunction('!document.querySelector("#generate").disabled && (document.querySelector("#summary").textContent !== "" || document.querySelector("#form-error").textContent !== "")', undefined, { timeout: 60_000 })
    const shown = `${await page.textContent('#summary') ?? ''}\n${await page.textContent('#form-error') ?? ''}\n${await page.textContent('#log') ?? ''}`
    t.match(shown, XSS_TEXT, 'the study name comes back from the server and is shown literally')
    t.equal(await page.isVisible('#chart'), false, 'no (broken) image is shown for a failed chart')

    t.equal(await page.evaluate('typeof window.__xss'), 'undefined', 'no injected handler ran')
    t.equal(await page.locator('img[src="x"], img[src="y"], b').count(), 0, 'no element was created from server text')
    await screenshot(page, 'studio-xss')
    t.same(pageErrors, [])
  })

  t.test('/sse demo: shows the stream state, and messages as text', async (t) => {
    const { url, app } = await startApp(t)
    const { page, pageErrors } = await openPage(t)
    t.ok(app.hasRoute({ method: 'GET', url: '/sse' }), 'the app serves /sse')
    await page.goto(`${url}/sse-demo.html`)
    await page.waitForSelector('#messages li[data-type="connection"]', { timeout: 60_000 })
    t.equal(await page.getAttribute('#status', 'data-state'), 'open')
    t.ok(Number(await page.textContent('#count')) >= 1)
    await page.waitForFunction('/^\\d+:\\d\\d$/.test(document.querySelector("#uptime").textContent)', undefined, { timeout: 60_000 })
    await screenshot(page, 'sse-demo')
    if (await page.isEnabled('#disconnect')) await page.click('#disconnect')

    // Seed 000's message types, including hostile text, from a stream the test controls.
    await page.route('**/sse', async (route) => {
      const messages = [
        { type: 'connection', status: 'connected', timestamp: new Date().toISOString() },
        { type: 'heartbeat', timestamp: new Date().toISOString() },
        { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: XSS_TEXT }] } },
        { type: 'error', message: XSS_TEXT },
        { type: 'raw', content: '<b>raw</b>' },
        { type: 'close', code: 0 }
      ]
      await route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
        body: messages.map((m) => `data: ${JSON.stringify(m)}\n\n`).join('') + 'data: not json <i>x</i>\n\n'
      })
    })
    await page.click('#clear')
    await page.click('#connect')
    await page.waitForSelector('#messages li[data-type="close"]', { timeout: 60_000 })
    const types = await page.$$eval('#messages li', (items) => items.map((item) => item.getAttribute('data-type')))
    t.same(types.slice(0, 7), ['connection', 'heartbeat', 'data', 'error', 'raw', 'close', 'raw'])
    t.match(await page.textContent('#messages'), XSS_TEXT)
    t.match(await page.textContent('#messages'), 'not json <i>x</i>')
    t.equal(await page.locator('#messages img, #messages b, #messages i').count(), 0, 'messages are text, not markup')
    t.equal(await page.evaluate('typeof window.__xss'), 'undefined')
    t.notMatch(await page.textContent('#last-heartbeat'), /^–$/, 'the heartbeat time is shown')
    await screenshot(page, 'sse-demo-messages')
    t.same(pageErrors, [])
  })
}
