/**
 * ECharts series for one computed study on given axes: lines, histograms (per-bar colours), the fill between two
 * lines (Bollinger Bands), level lines (RSI 70/30) and the shaded band between levels.
 */
import type { SeriesOption } from 'echarts'
import type { JobStudy, JobStudyLine } from './job.js'

export interface AxisRef { xAxisIndex: number, yAxisIndex: number }

const Z_STUDY = 4
const Z_FILL = 1

export function buildStudySeries (study: JobStudy, axes: AxisRef, key: string): SeriesOption[] {
  const out: SeriesOption[] = []
  for (const [f, fill] of (study.fills ?? []).entries()) {
    const upper = study.lines.find((l) => l.label === fill.upper)
    const lower = study.lines.find((l) => l.label === fill.lower)
    if (upper === undefined || lower === undefined) continue
    // The area between two lines: an invisible series at the lower line with the difference stacked on it.
    const stack = `${key}-fill-${f}`
    const base = lower.values
    const diff = upper.values.map((u, i) => (u === null || base[i] === null ? null : u - (base[i] as number)))
    const invisible = { showSymbol: false, symbol: 'none', silent: true, lineStyle: { width: 0, opacity: 0 } }
    out.push(
      { type: 'line', name: `${key}-fill-base`, ...axes, z: Z_FILL, stack, stackStrategy: 'all', data: base, ...invisible },
      { type: 'line', name: `${key}-fill`, ...axes, z: Z_FILL, stack, stackStrategy: 'all', data: diff, ...invisible, areaStyle: { color: fill.color, opacity: 1 } }
    )
  }
  const lines = study.lines.map((line) => lineSeries(line, axes, key, study.isVolume))
  const anchor = lines[0] as Record<string, unknown> | undefined
  if (anchor !== undefined) {
    const levels = study.levels ?? []
    if (levels.length > 0) {
      anchor.markLine = {
        silent: true,
        symbol: 'none',
        label: { show: false },
        data: levels.map((l) => ({ yAxis: l.value, lineStyle: { color: l.color ?? '#9598a1', type: 'dashed', width: 1 } }))
      }
    }
    const bands = study.bands ?? []
    if (bands.length > 0) {
      anchor.markArea = {
        silent: true,
        data: bands.map((b) => [{ yAxis: b.from, itemStyle: { color: b.color } }, { yAxis: b.to }])
      }
    }
  }
  out.push(...lines)
  return out
}

function lineSeries (line: JobStudyLine, axes: AxisRef, key: string, isVolume: boolean): SeriesOption {
  if (line.kind === 'histogram') {
    return {
      type: 'bar',
      name: `${key}-${line.label}`,
      ...axes,
      z: isVolume ? Z_FILL + 1 : Z_STUDY,
      barCategoryGap: isVolume ? '25%' : '35%',
      data: line.values.map((v, i) => ({ value: v, itemStyle: { color: line.barColors?.[i] ?? line.color } }))
    }
  }
  return {
    type: 'line',
    name: `${key}-${line.label}`,
    ...axes,
    z: Z_STUDY,
    data: line.values,
    showSymbol: false,
    symbol: 'none',
    connectNulls: false,
    lineStyle: { color: line.color, width: line.lineWidth ?? 1.5 },
    itemStyle: { color: line.color }
  }
}

/** Lowest and highest value a study draws (histograms include their zero base), or null when it has none. */
export function studyExtent (study: JobStudy): [number, number] | null {
  let min = Infinity
  let max = -Infinity
  for (const line of study.lines) {
    for (const v of line.values) {
      if (v === null || !Number.isFinite(v)) continue
      if (v < min) min = v
      if (v > max) max = v
    }
    if (line.kind === 'histogram' && min <= max) {
      min = Math.min(min, 0)
      max = Math.max(max, 0)
    }
  }
  return min <= max ? [min, max] : null
}

/** The last non-null value of a line (the legend shows it). */
export function lastValue (values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i]
    if (v !== null && Number.isFinite(v)) return v
  }
  return null
}
