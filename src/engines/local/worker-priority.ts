/**
 * Lowers the OS scheduling priority of the calling thread (Linux), so CPU-bound render threads yield the CPU to
 * the event loop: SSE heartbeats, other clients' events and new requests stay on time during a render burst,
 * while renders still get every cycle the event loop does not use. setpriority(2) applies to one thread when
 * given its thread id, which Linux exposes as /proc/thread-self → `<pid>/task/<tid>`. Elsewhere this does
 * nothing (and says so), which costs only responsiveness under load.
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/** Niceness added to render threads: low enough to always lose to the event loop, not starved (19 is the floor). */
export const RENDER_THREAD_NICENESS = 10

export function lowerThreadPriority (niceness = RENDER_THREAD_NICENESS): boolean {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isInteger(threadId) || threadId <= 0) return false
    setPriority(threadId, niceness)
    return true
  } catch {
    return false
  }
}
