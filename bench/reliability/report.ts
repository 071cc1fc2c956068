/**
 * What a fault scenario prints: its figures (a Markdown table, pasted into RELIABILITY.md) and its checks, one line
 * each, then `checks: N passed, N failed` for the runner (run.ts) to add up. A scenario exits 1 when a check failed.
 */
export class Report {
  readonly #figures: Array<[string, string]> = []
  #passed = 0
  #failed = 0

  constructor (readonly scenario: string) {
    console.log(`\n### ${scenario}\n`)
  }

  figure (name: string, value: string | number): void {
    this.#figures.push([name, typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : value])
  }

  check (name: string, ok: boolean, detail = ''): boolean {
    if (ok) this.#passed++
    else this.#failed++
    console.log(`${ok ? 'ok    ' : 'FAILED'} ${name}${detail === '' ? '' : ` — ${detail}`}`)
    return ok
  }

  /** Prints the figures and the count; sets the exit code. */
  finish (): void {
    if (this.#figures.length > 0) {
      console.log('\n| figure | value |\n|---|---|')
      for (const [name, value] of this.#figures) console.log(`| ${name} | ${value} |`)
    }
    console.log(`\nchecks: ${this.#passed} passed, ${this.#failed} failed`)
    process.exitCode = this.#failed === 0 ? 0 : 1
  }
}

/** `--bounded`: the short form CI runs (fewer requests, smaller loads); the figures in RELIABILITY.md are full runs. */
export const BOUNDED = process.argv.includes('--bounded')

export const mb = (bytes: number): number => Math.round(bytes / 1048576 * 10) / 10

/** A stack trace in text a client received: "    at fn (file.ts:12:3)" or a bare file:line:col of our code. */
export function hasStackTrace (text: string): boolean {
  return /\n\s+at .+[:(]\d+:\d+\)?/.test(text) || /\/(src|plugins|routes|node_modules)\/[\w./-]+\.(ts|js):\d+/.test(text)
}

export async function settle<T> (promises: Array<Promise<T>>): Promise<Array<PromiseSettledResult<T>>> {
  return await Promise.allSettled(promises)
}

/** Polls `check` until it holds; false (and a line saying so) when `ms` passed first. */
export async function until (what: string, check: () => boolean | Promise<boolean>, ms = 120_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!await check()) {
    if (Date.now() > deadline) { console.log(`gave up waiting for ${what}`); return false }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}

/**
 * One `generate_chart` call over the JSON-RPC route (its progress is broadcast to every open channel); resolves with
 * the chart's request id ('' when none came back). `size` defaults to one per `i`, so no two calls share a render.
 */
export async function requestChart (url: string, i: number, size = { width: 320 + i % 900, height: 240 + Math.floor(i / 900) }): Promise<string> {
  const response = await fetch(`${url}/mcp/tools/call`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'generate_chart', arguments: { symbol: 'NASDAQ:AAPL', interval: '1M', style: 'line', range: 'ALL', ...size } } })
  })
  const body = await response.json() as { result?: { structuredContent?: { requestId?: string } } }
  return body.result?.structuredContent?.requestId ?? /req_\d+_[0-9a-f]+/.exec(JSON.stringify(body))?.[0] ?? ''
}
