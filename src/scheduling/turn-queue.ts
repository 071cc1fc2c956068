/**
 * Runs synchronous jobs one per event-loop turn, in arrival order. A burst of requests that each `await
 * setImmediate` before their work still runs all that work back to back: Node runs every immediate queued before
 * its check phase in that one phase, with no timers or I/O in between (a 40-request burst blocked heartbeats for
 * ~200 ms). Chained here, each job's immediate is queued only after the previous job ran, so it lands in the next
 * loop iteration, and timers and sockets get their turn between any two jobs.
 */
export class TurnQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T> (job: () => T): Promise<T> {
    const result = this.#tail
      .then(async () => { await new Promise<void>((resolve) => setImmediate(resolve)) })
      .then(job)
    // A failed job must not stop the ones behind it.
    this.#tail = result.catch(() => {})
    return result
  }
}
