/**
 * Loaded into the server process by the churn scenario (`node --expose-gc --import tsx --import <this file>`), never by
 * the product: counts what a leak would leave behind, without a debugger or a debug route. On SIGUSR2 it collects
 * garbage (so RSS and the counts are not waiting for a GC) and prints one JSON line on stdout:
 * `{"resourceProbe":{timers, timerSites, handles, heapUsed, rss}}`.
 *
 * - timers: JS timers alive now (created by setTimeout/setInterval, global or from `node:timers`, and neither fired
 *   nor cleared), with the top of the stack that created them, so a leak names its source. Node's own
 *   `process.getActiveResourcesInfo()` counts only ref'd timers, and our timers are mostly unref()'d.
 * - handles: `process.getActiveResourcesInfo()` by kind (sockets, servers, ref'd timers, pending requests).
 */
import { syncBuiltinESMExports } from 'node:module'
import timers from 'node:timers'

interface TrackedTimer { _destroyed?: boolean }

const live = new Map<TrackedTimer, string>()
let created = 0

function site (): string {
  const holder: { stack?: string } = {}
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 4
  Error.captureStackTrace(holder, site)
  Error.stackTraceLimit = limit
  // [0] "Error", [1] the wrapper below, [2] whoever called setTimeout/setInterval.
  return (holder.stack?.split('\n')[2] ?? '').trim().replace(/^at /, '')
}

function prune (): void {
  for (const timer of live.keys()) if (timer._destroyed === true) live.delete(timer)
}

function track<T extends (...args: never[]) => unknown> (original: T): T {
  const wrapped = function (this: unknown, ...args: Parameters<T>): ReturnType<T> {
    const timer = original.apply(this, args) as ReturnType<T>
    live.set(timer as TrackedTimer, site())
    if (++created % 10_000 === 0) prune()
    return timer
  }
  return wrapped as unknown as T
}

const setTimeoutTracked = track(globalThis.setTimeout)
const setIntervalTracked = track(globalThis.setInterval)
globalThis.setTimeout = setTimeoutTracked
globalThis.setInterval = setIntervalTracked
timers.setTimeout = setTimeoutTracked
timers.setInterval = setIntervalTracked
// `import { setTimeout } from 'node:timers'` in ESM reads these bindings: make them follow the CommonJS object.
syncBuiltinESMExports()

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  // Finalizers of native objects run after the collection, on a later turn of the loop.
  setImmediate(() => {
    gc?.()
    prune()
    const timerSites: Record<string, number> = {}
    for (const where of live.values()) timerSites[where] = (timerSites[where] ?? 0) + 1
    const handles: Record<string, number> = {}
    for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1
    const { heapUsed, rss } = process.memoryUsage()
    process.stdout.write(`${JSON.stringify({ resourceProbe: { timers: live.size, timerSites, handles, heapUsed, rss } })}\n`)
  })
})
