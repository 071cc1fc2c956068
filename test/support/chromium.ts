/**
 * Test helper: headless Debian Chromium through playwright-core, as the page tests drive it. `CHROMIUM` is missing on
 * machines without the Debian package; tests skip then.
 */
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export async function launchChromium (): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic']
  })
}

/** A fresh page in its own context (own sessionStorage) that records uncaught page errors, closed at teardown. */
export async function openPage (browser: Browser, t: { teardown: (fn: () => Promise<void>) => void }, viewport: { width: number, height: number }): Promise<{ page: Page, pageErrors: string[] }> {
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => { pageErrors.push(error.message) })
  t.teardown(async () => { await context.close() })
  return { page, pageErrors }
}
