/**
 * Polls `check` (sync or async) until it gives a value other than undefined/false, or fails with `what` after `ms`.
 * The limit is an outer bound for a broken product, not a timing assertion: generous, so a loaded machine passes.
 */
export async function waitFor<T> (what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
