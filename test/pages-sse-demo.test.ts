/**
 * The /sse demo page talking to its stream, in headless Chromium (playwright-core + Debian's /usr/bin/chromium)
 * against the real app, at 1280×800 and 390×844: "List tools" POSTs tools/list to the stream's messagesUrl and the
 * answer is shown as a list of tools; "Make chart" shows the call's progress and its image; a chart another client
 * makes appears under "Charts"; a dropped and reopened anonymous stream shows no "events were missed" error.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { Browser, Page } from 'playwright-core'
import { callTool, startApp } from './support/app.js'
import { CHROMIUM, launchChromium, openPage as openBrowserPage } from './support/chromium.js'

const VIEWPORTS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }]

/** PAGES_SCREENSHOT_DIR=docs/screenshots npx tap test/pages-sse-demo.test.ts refreshes the README's pictures. */
async function screenshot (page: Page, name: string): Promise<void> {
  const dir = process.env.PAGES_SCREENSHOT_DIR
  if (dir !== undefined) await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true })
}

async function noHorizontalScroll (t: Test, page: Page, when: string): Promise<void> {
  const o = await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })') as { scrollWidth: number, innerWidth: number }
  t.ok(o.scrollWidth <= o.innerWidth, `${when}: scrollWidth ${o.scrollWidth} ≤ innerWidth ${o.innerWidth}`)
}

if (!existsSync(CHROMIUM)) {
  t.test('/sse demo in headless Chromium', { skip: `${CHROMIUM} is missing (Debian package chromium): the page tests need a real browser` }, async () => {})
} else {
  let browser: Browser | undefined
  t.before(async () => { browser = await launchChromium() })
  t.teardown(async () => { await browser?.close() })

  async function openPage (t: Test, viewport: { width: number, height: number }): Promise<{ page: Page, pageErrors: string[] }> {
    if (browser === undefined) throw new Error('browser not started')
    return await openBrowserPage(browser, t, viewport)
  }

  for (const viewport of VIEWPORTS) {
    const size = `${viewport.width}x${viewport.height}`
    t.test(`/sse demo at ${size}: "List tools" is answered on the stream and shown as a list`, async (t) => {
      const { url, app } = await startApp(t)
      const { page, pageErrors } = await openPage(t, viewport)
      await page.goto(`${url}/sse-demo.html`)
      await page.waitForSelector('#messages li[data-type="connection"]', { timeout: 15_000 })
      t.match(await page.textContent('#messages-url'), /^\/sse\/[A-Za-z0-9_-]{22}\/messages$/, 'the page shows where it posts')
      await page.click('#list-tools')
      const answer = page.locator('#answers li[data-method="tools/list"][data-state="done"]')
      await answer.waitFor({ timeout: 15_000 })
      const names = await answer.locator('.tool-list code').allTextContents()
      t.same(names, app.tools.describe().map((tool) => tool.name), 'every tool of the registry, by name')
      t.match(await answer.locator('.answer-state').textContent(), `${names.length} tools`)
      t.match(await page.textContent('#messages'), /answer #1: \d+ tools — .*generate_chart/, 'the log line says what the answer is, not only JSON')
      await noHorizontalScroll(t, page, 'with the answer shown')
      await screenshot(page, `sse-demo-session-${size}`)
      t.same(pageErrors, [])
    })
  }

  t.test('/sse demo: a chart with its progress, a chart made elsewhere, no "missed" warning after a reconnect', async (t) => {
    const { url, app } = await startApp(t)
    const { page, pageErrors } = await openPage(t, { width: 1280, height: 800 })
    await page.goto(`${url}/sse-demo.html`)
    await page.waitForSelector('#messages li[data-type="connection"]', { timeout: 15_000 })

    await page.fill('#symbol', 'SP:SPX')
    await page.selectOption('#interval', '1W')
    await page.click('#make-chart')
    const answer = page.locator('#answers li[data-method="tools/call"][data-state="done"]')
    await answer.waitFor({ timeout: 60_000 })
    t.match(await answer.textContent(), /Chart ready: SP:SPX 1W/)
    t.equal(await answer.locator('img').count(), 1, 'the image of the answer is shown')
    await page.waitForFunction('document.querySelector("#answers li[data-method=\\"tools/call\\"] img").naturalWidth > 0', undefined, { timeout: 15_000 })
    t.ok(await page.locator('#messages li[data-type="data"] .summary-line', { hasText: /^progress \d+\/100/ }).count() > 0, 'progress of the call, as readable lines')
    t.ok(await page.locator('#messages li[data-type="data"] .summary-line', { hasText: 'chart SP:SPX · completed' }).count() > 0)

    // Another client, with no channel of its own: its chart is broadcast and shown here.
    const elsewhere = await callTool(url, 'generate_chart', { symbol: 'SP:SPX', interval: '1M', width: 640, height: 400 })
    t.notOk(elsewhere.body.result.isError)
    const requestId = elsewhere.body.result.structuredContent?.requestId ?? /req_[0-9a-z_]+/.exec(elsewhere.body.result.content[0].text)?.[0]
    await page.waitForFunction(`Array.from(document.querySelectorAll('#charts img')).some((img) => img.src.includes(${JSON.stringify(requestId)}) && img.complete && img.naturalWidth > 0)`, undefined, { timeout: 30_000 })
    t.pass('a chart made elsewhere is shown')

    // The stream drops (as when the server restarts): EventSource reconnects with its Last-Event-ID.
    const connection = JSON.parse(await page.locator('#messages li[data-type="connection"] pre').first().textContent() ?? '{}') as { clientId: string }
    const before = await page.textContent('#messages-url')
    t.ok(app.seedStreams.disconnect(connection.clientId), 'the server ends the stream')
    await page.waitForFunction(`document.querySelector('#messages-url').textContent.startsWith('/sse/') && document.querySelector('#messages-url').textContent !== ${JSON.stringify(before)}`, undefined, { timeout: 30_000 })
    await page.click('#list-tools')
    await page.locator('#answers li[data-method="tools/list"][data-state="done"]').waitFor({ timeout: 15_000 })
    t.equal(await page.locator('#messages li[data-type="error"]').count(), 0, 'no "events were missed" on an anonymous stream')
    await screenshot(page, 'sse-demo-chart')
    t.same(pageErrors, [])
  })
}
