/**
 * When to give freed native memory back (see malloc-trim.ts): once after each wave of at least `threshold` closed
 * connections, when the wave is over. "Over" is `quietMs` without another close; then the trim waits for V8's next
 * full garbage collection, because a closed socket's native parts are freed only when its JS object is collected
 * (V8 runs one within seconds once allocation slows down), with `quietMs × 6` as the latest moment. A server whose
 * connections come and go a few at a time never trims: glibc reuses that memory for the next ones anyway.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { TrimNativeMemory } from './malloc-trim.js'

export interface TrimAfterDisconnectsOptions {
  /** Closed connections that make a wave (MEMORY_TRIM_AFTER_CONNECTIONS). */
  threshold: number
  /** How long without a close ends the wave (MEMORY_TRIM_QUIET_MS). */
  quietMs: number
  trim: TrimNativeMemory
  log: Logger
  /** Calls back after each full (major) collection until the returned function is called. Default: perf_hooks. */
  onMajorGc?: (listener: () => void) => () => void
}

export interface TrimAfterDisconnects {
  /** Call once per closed connection. */
  closed: () => void
  stop: () => void
}

function observeMajorGc (listener: () => void): () => void {
  const observer = new PerformanceObserver((list) => {
    const major = list.getEntries().some((entry) => (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
    if (major) listener()
  })
  observer.observe({ entryTypes: ['gc'] })
  return () => { observer.disconnect() }
}

export function trimAfterDisconnects (options: TrimAfterDisconnectsOptions): TrimAfterDisconnects {
  const { threshold, quietMs, trim, log } = options
  const onMajorGc = options.onMajorGc ?? observeMajorGc
  let closedSinceTrim = 0
  let stopped = false
  let quietTimer: NodeJS.Timeout | undefined
  let latestTimer: NodeJS.Timeout | undefined
  let stopObserving: (() => void) | undefined

  const clearWaiting = (): void => {
    stopObserving?.()
    stopObserving = undefined
    clearTimeout(latestTimer)
    latestTimer = undefined
  }

  const run = (): void => {
    clearWaiting()
    if (stopped) return
    const closed = closedSinceTrim
    closedSinceTrim = 0
    const before = process.memoryUsage.rss()
    trim().then((released) => {
      const after = process.memoryUsage.rss()
      log.info({ closedConnections: closed, released, rssBeforeMb: Math.round(before / 1048576), rssAfterMb: Math.round(after / 1048576) },
        'returned freed native memory to the OS after a wave of disconnects')
    }, (error: unknown) => { log.warn({ err: error }, 'malloc_trim failed') })
  }

  const waveOver = (): void => {
    quietTimer = undefined
    if (stopped) return
    // A wave too small to matter is forgotten: connections that come and go a few at a time never add up to a trim.
    if (closedSinceTrim < threshold) {
      closedSinceTrim = 0
      return
    }
    stopObserving = onMajorGc(run)
    latestTimer = setTimeout(run, quietMs * 5).unref()
  }

  return {
    closed () {
      if (stopped) return
      closedSinceTrim++
      // Still in the wave: a trim now would run before most of it is freed.
      clearWaiting()
      // A new timer rather than refresh(): fake clocks (node:test mock timers, used by the tests) do not honour
      // refresh(), and a close is rare enough that one timer object per close costs nothing.
      clearTimeout(quietTimer)
      quietTimer = setTimeout(waveOver, quietMs).unref()
    },
    stop () {
      stopped = true
      clearTimeout(quietTimer)
      clearWaiting()
    }
  }
}
