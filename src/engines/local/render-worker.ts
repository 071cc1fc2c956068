/**
 * Piscina worker of the local engine: finishes a job prepared on the main thread (studies, window; see
 * prepare-job.ts) and draws it (ECharts SSR → resvg), off the main thread.
 * A ChartError is returned as data, because worker_threads clone errors without their class or code.
 */
import type { MessagePort } from 'node:worker_threads'
import { isChartError, type ChartErrorCode } from '../../chart/errors.js'
import type { RenderJob } from '../../render/job.js'
import { renderChart } from '../../render/render-chart.js'
import { completeJob, type JobInput } from './prepare-job.js'
import { lowerThreadPriority } from './worker-priority.js'

// Renders yield the CPU to the main thread's event loop (heartbeats, I/O); see worker-priority.ts.
lowerThreadPriority()

export interface RenderTask {
  /** A request resolved on the main thread, or (warm-up) a ready job. */
  work: { input: JobInput } | { job: RenderJob }
  /** Told "started" when this worker picks the task up (the main thread reports the `rendering` stage then). */
  port?: MessagePort
}

export type RenderTaskResult =
  | { ok: true, data: Uint8Array, mimeType: 'image/png' | 'image/jpeg', width: number, height: number, notes: string[] }
  | { ok: false, code: ChartErrorCode, message: string }

export default function renderTask (task: RenderTask): RenderTaskResult {
  if (task.port !== undefined) {
    task.port.postMessage('started')
    task.port.close()
  }
  try {
    const { job, notes } = 'input' in task.work ? completeJob(task.work.input) : { job: task.work.job, notes: [] }
    const image = renderChart(job)
    return { ok: true, data: image.data, mimeType: image.mimeType, width: image.width, height: image.height, notes: [...notes, ...image.notes] }
  } catch (error) {
    if (isChartError(error)) return { ok: false, code: error.code, message: error.message }
    throw error
  }
}
