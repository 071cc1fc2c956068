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
