/**
 * The pages in static/ driven by headless Chromium (playwright-core + Debian's /usr/bin/chromium) against the real app
 * on 127.0.0.1: the chart studio makes a chart with live progress and offers only the styles a symbol's data can draw, and server text never becomes markup (seed 000's
 * demo page put server messages into innerHTML unescaped). At desktop (1280×800) and phone (390×844) width: no
 * horizontal scroll, every control on screen and clickable, a failed request's long error wrapped by words (issue 12:
 * one character per line at 390 px, "view" unclickable), then a successful request; the studio with AUTH_TOKEN set.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Browser, Page } from 'playwright-core'
import { callTool, startApp } from './support/app.js'
import { CHROMIUM, launchChromium, openPage as openBrowserPage } from './support/chromium.js'

/**
 * PAGES_SCREENSHOT_DIR=dir npx tap test/pages.test.ts keeps a picture of each page for a person to look at
 * (docs/screenshots/ holds the ones the README links: PAGES_SCREENSHOT_DIR=docs/screenshots).
 */
async function screenshot (page: Page, name: string): Promise<void> {
  const dir = process.env.PAGES_SCREENSHOT_DIR
  if (dir !== undefined) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

const XSS_TEXT = '<img src=x onerror="window.__xss=1">'

if (!existsSync(CHROMIUM)) {
  t.test('pages in headless Chromium', { skip: `${CHROMIUM} is missing (Debian package chromium): the page tests need a real browser` }, async () => {})
} else {
  let browser: Browser | undefined
  t.before(async () => {
    browser = await launchChromium()
  })
  t.teardown(async () => { await browser?.close() })

  async function openPage (t: { teardown: (fn: () => Promise<void>) => void }, viewport = { width: 1280, height: 1100 }): Promise<{ page: Page, pageErrors: string[] }> {
    if (browser === undefined) throw new Error('browser not started')
    return await openBrowserPage(browser, t, viewport)
  }

  t.test('chart studio: form → live progress → image', async (t) => {
    const { url } = await startApp(t)
    const { page, pageErrors } = await openPage(t)
    await page.goto(`${url}/studio`)

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

  t.test('chart studio: the style list follows the symbol\'s data (no candles for close-only symbols)', async (t) => {
    const { url } = await startApp(t)
    const { page, pageErrors } = await openPage(t)
    await page.goto(`${url}/studio`)
    await page.waitForSelector('#symbol option[value="NASDAQ:AAPL"]', { state: 'attached', timeout: 60_000 })
    const listing = await callTool(url, 'get_available_symbols', { limit: 500 })
    const styles = (symbol: string): string[] => (JSON.parse(listing.body.result.content[0].text).symbols as Array<{ symbol: string, styles: string[] }>).find((s) => s.symbol === symbol)?.styles ?? []
    const usable = async (): Promise<string[]> => await page.evaluate('Array.from(document.querySelectorAll("#style option")).filter((o) => !o.disabled && !o.hidden).map((o) => o.value)') as string[]

    await page.selectOption('#symbol', 'SP:SPX')
    await page.selectOption('#style', 'candle')
    await page.selectOption('#symbol', 'NASDAQ:AAPL')
    t.same(await usable(), ['line', 'area', 'baseline', 'column'], 'close-only data: only the close-based styles are offered')
    t.same(await usable(), styles('NASDAQ:AAPL'), 'exactly what get_available_symbols lists for the symbol')
    t.equal(await page.inputValue('#style'), 'line', 'the candle selection moved to a style the data can draw')
    t.same(await page.evaluate('Array.from(document.querySelectorAll("#style option")).filter((o) => ["candle", "hollowCandle", "heikinAshi", "bar", "hiLo"].includes(o.value) && !o.disabled).map((o) => o.value)'), [], 'no OHLC style can be picked for NASDAQ:AAPL')

    await page.selectOption('#symbol', 'SP:SPX')
    t.ok((await usable()).includes('candle'), 'OHLC data: candles are offered again')
    t.same((await usable()).sort(), [...styles('SP:SPX')].sort())
    await page.selectOption('#style', 'candle')
    t.equal(await page.inputValue('#style'), 'candle')
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
    await page.goto(`${url}/studio`)
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

  t.test('every page has the same header links (static/common.js), its own marked current, and each link answers', async (t) => {
    const { url } = await startApp(t)
    const { page, pageErrors } = await openPage(t)
    const pages = [{ path: '/', current: 'Chat' }, { path: '/studio', current: 'Chart studio' }, { path: '/sse-demo.html', current: '/sse demo' }]
    for (const { path, current } of pages) {
      await page.goto(`${url}${path}`)
      const links = await page.$$eval('header nav.pages a', (items) => items.map((a) => ({ text: a.textContent, href: a.getAttribute('href'), current: a.getAttribute('aria-current') })))
      t.same(links.map((l) => [l.text, l.href]), [['Chat', './'], ['Chart studio', 'studio'], ['/sse demo', 'sse-demo.html'], ['API docs', 'docs']], `${path}: the four pages, in one order`)
      t.same(links.filter((l) => l.current === 'page').map((l) => l.text), [current], `${path}: marks itself`)
    }
    for (const href of ['./', 'studio', 'sse-demo.html', 'docs']) {
      const response = await page.request.get(new URL(href, `${url}/`).href)
      t.equal(response.status(), 200, `${href} answers`)
    }
    t.same(pageErrors, [], 'no uncaught errors in the pages')
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

  // ---- layout at desktop and phone width ----------------------------------------------------------------------

  const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }]
  const LONG_STUDY = 'Definitely Not A Study That Exists Anywhere In This Server'

  /** Page width against the window, and the elements that stick out on the right. */
  async function overflow (page: Page): Promise<{ scrollWidth: number, innerWidth: number, offenders: string[] }> {
    return await page.evaluate(`(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      offenders: Array.from(document.querySelectorAll('body *'))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))
    }))()`)
  }

  async function noHorizontalScroll (t: Test, page: Page, when: string): Promise<void> {
    const o = await overflow(page)
    t.ok(o.scrollWidth <= o.innerWidth, `${when}: scrollWidth ${o.scrollWidth} ≤ innerWidth ${o.innerWidth}${o.offenders.length > 0 ? ` (wider: ${o.offenders.join(', ')})` : ''}`)
  }

  /**
   * Every visible control (button, select, input, link, summary), scrolled into view: inside the window horizontally
   * and the element a tap at its centre reaches (not covered by another element). Returns what fails.
   */
  async function unusableControls (page: Page): Promise<string[]> {
    return await page.evaluate(`(() => {
      const problems = []
      for (const c of document.querySelectorAll('button, select, input, a[href], summary')) {
        // checkVisibility: also false inside a closed <details> (content-visibility: hidden in Chromium).
        if (!c.checkVisibility({ visibilityProperty: true })) continue
        // Scrolled into view vertically only: a control reachable only by scrolling sideways counts as off screen.
        c.scrollIntoView({ block: 'center', inline: 'nearest' })
        window.scrollTo(0, window.scrollY)
        const r = c.getBoundingClientRect()
        const name = c.tagName.toLowerCase() + (c.id ? '#' + c.id : '') + (c.name ? '[name=' + c.name + ']' : '') + ' ' + (c.textContent || c.value || '').trim().slice(0, 20)
        if (r.left < -0.5 || r.right > window.innerWidth + 0.5) problems.push(name + ': outside the window (' + Math.round(r.left) + '–' + Math.round(r.right) + ')')
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
        const viaLabel = c.labels && Array.from(c.labels).some((label) => label.contains(hit))
        if (hit !== c && !c.contains(hit) && !viaLabel) problems.push(name + ': covered by ' + (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing'))
      }
      window.scrollTo(0, 0)
      return problems
    })()`)
  }

  /** Width of every element that shows `text` (leaf-most): a squeezed one wraps a character per line. */
  async function widthsShowing (page: Page, text: string): Promise<number[]> {
    return await page.evaluate(`(() => Array.from(document.querySelectorAll('#form-error, #summary, #log .log-text, #recent td, #messages pre'))
      .filter((e) => e.offsetParent !== null && e.textContent.includes(${JSON.stringify(text)}))
      .map((e) => e.getBoundingClientRect().width))()`)
  }

  for (const viewport of VIEWPORTS) {
    const size = `${viewport.width}x${viewport.height}`

    t.test(`chart studio at ${size}: no horizontal scroll, a failed request then a successful one, every control usable`, async (t) => {
      const { url } = await startApp(t)
      const { page, pageErrors } = await openPage(t, viewport)
      await page.goto(`${url}/studio`)
      await page.waitForSelector('#symbol option[value="SP:SPX"]', { state: 'attached', timeout: 15_000 })
      await page.waitForSelector('#log li[data-event="connected"]', { timeout: 15_000 })
      await noHorizontalScroll(t, page, 'loaded')
      t.same(await unusableControls(page), [], 'every control is on screen and clickable')

      // A failed request with a long error (an unknown study name, echoed back with the list of known ones).
      await page.selectOption('#symbol', 'SP:SPX')
      await page.selectOption('#interval', '1W')
      await page.fill('#custom-study', LONG_STUDY)
      await page.click('#generate')
      await page.waitForFunction('!document.querySelector("#generate").disabled && (document.querySelector("#summary").classList.contains("summary-error") || !document.querySelector("#form-error").hidden)', undefined, { timeout: 60_000 })
      await page.waitForSelector('#recent tr[data-request-id], #recent-empty:not([hidden])', { state: 'attached', timeout: 15_000 })
      await noHorizontalScroll(t, page, 'after a failed request')
      const widths = await widthsShowing(page, LONG_STUDY)
      t.ok(widths.length > 0, 'the error is on the page')
      const narrowest = Math.min(...widths)
      t.ok(narrowest >= Math.min(250, viewport.width * 0.6), `the error wraps by words in boxes at least ${Math.round(narrowest)} px wide (widths: ${widths.map(Math.round).join(', ')})`)
      const height = await page.evaluate('document.documentElement.scrollHeight') as number
      t.ok(height < viewport.height * 6, `the page stays ${height} px tall (a character per line made it 9,702 px)`)
      await screenshot(page, `studio-failed-${size}`)

      // Then a successful one.
      await page.fill('#custom-study', '')
      await page.click('#generate')
      await page.waitForSelector('#log li[data-event="chart_progress"][data-status="completed"]', { timeout: 60_000 })
      await page.waitForFunction('(() => { const img = document.querySelector("#chart"); return !img.hidden && img.complete && img.naturalWidth > 0 })()', undefined, { timeout: 15_000 })
      t.equal(await page.isVisible('#form-error'), false, 'the earlier error is gone')
      await noHorizontalScroll(t, page, 'after a successful request')
      const img = await page.evaluate('(() => { const r = document.querySelector("#chart").getBoundingClientRect(); return { right: r.right, width: r.width } })()') as { right: number, width: number }
      t.ok(img.right <= viewport.width, `the chart fits the window (${Math.round(img.width)} px wide)`)

      // "view" of the completed request in the recent list, clicked as a person would.
      await page.waitForSelector('#recent tr[data-request-id] button.link', { timeout: 15_000 })
      t.same(await unusableControls(page), [], 'every control, "view" included, is on screen and clickable')
      await page.evaluate('document.querySelector("#chart").removeAttribute("src")')
      await page.locator('#recent tr[data-request-id] button.link').first().click()
      await page.waitForFunction('(() => { const img = document.querySelector("#chart"); return /\\/charts\\//.test(img.src) && img.complete && img.naturalWidth > 0 })()', undefined, { timeout: 15_000 })
      t.pass('"view" shows the stored image')
      await screenshot(page, `studio-${size}`)
      t.same(pageErrors, [], 'no uncaught errors in the page')
    })

    t.test(`chat page at ${size}: a command answered with a chart and its live progress, no horizontal scroll`, async (t) => {
      const { url } = await startApp(t)
      const { page, pageErrors } = await openPage(t, viewport)
      await page.goto(`${url}/`)
      // The clientId comes from POST mcp/initialize; the event channel it names is open.
      await page.waitForSelector('#stream-status[data-state="open"]', { timeout: 15_000 })
      t.match(await page.getAttribute('body', 'data-client-id'), /^mcp_\d+_[0-9a-f]{12}$/)
      t.equal(await page.getAttribute('#studio-link', 'href'), 'studio', 'the studio stays a link away')
      await noHorizontalScroll(t, page, 'loaded')
      t.same(await unusableControls(page), [], 'every control is on screen and clickable')

      // A bad command first: the help text, wrapped by words.
      await page.fill('#message', 'chart')
      await page.click('#send')
      await page.waitForSelector('.turn-assistant[data-state="done"]', { timeout: 15_000 })
      t.match(await page.textContent('.turn-assistant[data-state="done"] .bubble'), /chart needs a symbol first/)
      await noHorizontalScroll(t, page, 'after the help text')

      await page.fill('#message', 'chart SP:SPX 1W candle rsi')
      await page.click('#send')
      await page.waitForSelector('.turn-assistant[data-state="done"] figure.chat-chart img.chat-image', { timeout: 60_000 })
      const figure = page.locator('figure.chat-chart').last()
      const requestId = await figure.getAttribute('data-request-id')
      t.match(requestId, /^req_\d+_[0-9a-f]+$/)
      await page.waitForFunction('(() => { const img = document.querySelector("figure.chat-chart img.chat-image"); return img.complete && img.naturalWidth > 0 })()', undefined, { timeout: 15_000 })
      t.equal(await figure.locator('img').getAttribute('src'), `${url}/charts/${String(requestId)}.png`, 'the image URL from the result is shown inline')
      await page.waitForSelector(`figure.chat-chart[data-request-id="${String(requestId)}"] .progress-step[data-status="completed"]`, { timeout: 15_000 })
      const steps = await figure.locator('.progress-step').evaluateAll((items) => items.map((item) => item.getAttribute('data-status')))
      t.equal(steps[0], 'started', 'the chart\'s live progress starts with started')
      t.equal(steps.at(-1), 'completed', 'and ends with completed')
      t.match(await page.textContent('.turn-assistant[data-state="done"]:last-child .bubble'), /^Chart ready: SP:SPX 1W candle/)
      await noHorizontalScroll(t, page, 'with a chart')
      const img = await figure.locator('img').evaluate((e) => { const r = e.getBoundingClientRect(); return { right: r.right, width: r.width } })
      t.ok(img.right <= viewport.width, `the chart fits the window (${Math.round(img.width)} px wide)`)
      t.same(await unusableControls(page), [], 'the controls are still on screen and clickable')
      await screenshot(page, `chat-${size}`)
      t.same(pageErrors, [], 'no uncaught errors in the page')
    })

    t.test(`/sse demo at ${size}: no horizontal scroll; a refused stream then an open one; long messages wrap`, async (t) => {
      const { url } = await startApp(t)
      const { page, pageErrors } = await openPage(t, viewport)
      await page.goto(`${url}/sse-demo.html`)
      await page.waitForSelector('#messages li[data-type="connection"]', { timeout: 15_000 })
      await noHorizontalScroll(t, page, 'connected')
      t.same(await unusableControls(page), [], 'every control is on screen and clickable')

      // A refused stream (as behind a proxy that answers 503), then the real one again.
      await page.click('#disconnect')
      await page.route('**/sse', async (route) => { await route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"Too many streams","statusCode":503}' }) })
      await page.click('#connect')
      await page.waitForSelector('#status[data-state="error"]', { timeout: 15_000 })
      t.match(await page.textContent('#messages'), /Could not open \/sse/, 'the refusal is said')
      await noHorizontalScroll(t, page, 'after a refused stream')
      await page.unroute('**/sse')
      await page.click('#connect')
      await page.waitForSelector('#status[data-state="open"]', { timeout: 15_000 })

      // Charts made by another client reach the stream: a failure with a long message, then a success.
      const failed = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', interval: '1D', range: { from: '1990-01-01', to: '1991-01-01' } })
      t.equal(failed.body.result?.isError, true, 'the first chart fails (no data in that range)')
      const ok = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', interval: '1W', width: 640, height: 400 })
      t.notOk(ok.body.result?.isError, 'the second chart is made')
      await page.waitForFunction('document.querySelector("#messages").textContent.includes("1990-01-01") && /completed/.test(document.querySelector("#messages").textContent)', undefined, { timeout: 30_000 })
      await noHorizontalScroll(t, page, 'with a failed and a completed chart on the stream')
      const widths = await widthsShowing(page, '1990-01-01')
      t.ok(widths.length > 0 && Math.min(...widths) >= Math.min(250, viewport.width * 0.6), `the failure message wraps in a wide box (widths: ${widths.map(Math.round).join(', ')})`)
      t.same(await unusableControls(page), [], 'the controls are still on screen and clickable')
      await screenshot(page, `sse-demo-${size}`)
      t.same(pageErrors, [])
    })
  }

  t.test('chart studio with AUTH_TOKEN set: asks for the token, says when it is wrong, reloads everything with the right one, keeps it for the tab', async (t) => {
    const token = 'studio-test-token-0123456789'
    const { url } = await startApp(t, { AUTH_TOKEN: token })
    const { page, pageErrors } = await openPage(t, { width: 390, height: 844 })
    await page.goto(`${url}/studio`)

    await page.waitForSelector('#token-status[data-state="needed"]', { timeout: 15_000 })
    t.equal(await page.getAttribute('#token-section', 'open'), '', 'the token section opens by itself')
    t.match(await page.textContent('#token-status'), /requires an access token \(AUTH_TOKEN\)/)
    t.match(await page.textContent('#form-error'), /access token/)
    t.equal(await page.locator('#symbol option[value="SP:SPX"]').count(), 0, 'no symbols without the token')
    await noHorizontalScroll(t, page, 'asking for the token')

    await page.fill('#token', 'not-the-token-at-all')
    await page.waitForSelector('#token-status[data-state="refused"]', { timeout: 15_000 })
    t.match(await page.textContent('#token-status'), /refused this token/)
    await screenshot(page, 'studio-token-refused-390x844')

    await page.fill('#token', token)
    await page.waitForSelector('#symbol option[value="SP:SPX"]', { state: 'attached', timeout: 15_000 })
    t.equal(await page.getAttribute('#token-status', 'data-state'), 'accepted', 'typing the right token loads the symbols')
    t.equal(await page.isVisible('#form-error'), false, 'and clears the error')
    t.match(await page.textContent('#recent-empty'), /No requests yet/, 'recent requests load too')

    await page.selectOption('#symbol', 'SP:SPX')
    await page.selectOption('#interval', '1W')
    await page.click('#generate')
    await page.waitForSelector('#recent tr[data-request-id]', { timeout: 60_000 })
    t.match(await page.textContent('#summary'), /Chart ready: SP:SPX 1W/, 'a chart is made with the token')

    await page.reload()
    await page.waitForSelector('#symbol option[value="SP:SPX"]', { state: 'attached', timeout: 15_000 })
    t.equal(await page.inputValue('#token'), token, 'the token is kept for the browser session (sessionStorage)')
    await page.waitForSelector('#recent tr[data-request-id]', { timeout: 15_000 })

    const { page: other } = await openPage(t, { width: 390, height: 844 })
    await other.goto(`${url}/studio`)
    await other.waitForSelector('#token-status[data-state="needed"]', { timeout: 15_000 })
    t.equal(await other.inputValue('#token'), '', 'another browser session starts without it')
    t.same(pageErrors, [])
  })
}
