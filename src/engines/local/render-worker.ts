/**
 * Piscina worker of the local engine: draws one RenderJob per task (ECharts SSR → resvg), off the main thread.
 * A ChartError is returned as data, because worker_threads clone errors without their class or code.
 */
import type { MessagePort } from 'node:worker_threads'
import { isChartError, type ChartErrorCode } from '../../chart/errors.js'
import type { RenderJob } from '../../render/job.js'
import { renderChart } from '../../render/render-chart.js'
import { lowerThreadPriority } from './worker-priority.js'

// Renders yield the CPU to the main thread's event loop (heartbeats, I/O); see worker-priority.ts.
lowerThreadPriority()

export interface RenderTask {
  job: RenderJob
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
    const image = renderChart(task.job)
    return { ok: true, data: image.data, mimeType: image.mimeType, width: image.width, height: image.height, notes: image.notes }
  } catch (error) {
    if (isChartError(error)) return { ok: false, code: error.code, message: error.message }
    throw error
  }
}
