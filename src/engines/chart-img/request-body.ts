/**
 * The v2 advanced-chart JSON body. Chart-IMG answers 422 to any field outside its list
 * (shared/reference/chart-img-api.md, "v2 advanced-chart body"), so the body is built field by field from an
 * allow-list, never by spreading the request: `storage` selects the endpoint and is not a body field.
 */
import { parseIsoTime } from '../../market/iso-time.js'
import type { ChartRange, ChartRequest, DrawingSpec, StudySpec } from '../../chart/request.js'

type Scalar = string | number | boolean

export interface V2Study { name: string, input?: Record<string, Scalar>, override?: Record<string, Scalar>, forceOverlay?: boolean }
export interface V2Drawing { name: string, input: Record<string, Scalar>, override?: Record<string, Scalar> }

export interface AdvancedChartBody {
  symbol: string
  interval: string
  width: number
  height: number
  style: string
  theme: 'light' | 'dark'
  range?: string | { from: string, to: string }
  timezone?: string
  format: 'png' | 'jpeg'
  studies?: V2Study[]
  drawings?: V2Drawing[]
}

/** Every top-level field this client may send; a test asserts bodies never hold anything else. */
export const BODY_FIELDS = ['symbol', 'interval', 'width', 'height', 'style', 'theme', 'range', 'timezone', 'format', 'studies', 'drawings'] as const

export function buildAdvancedChartBody (request: ChartRequest): AdvancedChartBody {
  const body: AdvancedChartBody = {
    symbol: request.symbol,
    interval: request.interval,
    width: request.width,
    height: request.height,
    style: request.style,
    theme: request.theme,
    format: request.format
  }
  if (request.range !== undefined) body.range = buildRange(request.range)
  body.timezone = request.timezone
  // v2 draws no volume unless "Volume" is among the studies (doc.chart-img.com v2 changes), so it travels as one.
  if (request.studies.length > 0) body.studies = request.studies.map(buildStudy)
  if (request.drawings.length > 0) body.drawings = request.drawings.map(buildDrawing)
  return body
}

function buildRange (range: ChartRange): AdvancedChartBody['range'] {
  if (typeof range === 'string') return range
  // Validated by the request schema with the same reader, so both ends parse.
  const iso = (text: string): string => new Date(parseIsoTime(text) as number).toISOString()
  return { from: iso(range.from), to: iso(range.to) }
}

function buildStudy (study: StudySpec): V2Study {
  const out: V2Study = { name: study.name }
  if (study.input !== undefined) out.input = { ...study.input }
  if (study.override !== undefined) out.override = { ...study.override }
  if (study.forceOverlay !== undefined) out.forceOverlay = study.forceOverlay
  return out
}

function buildDrawing (drawing: DrawingSpec): V2Drawing {
  const out: V2Drawing = { name: drawing.name, input: { ...drawing.input } }
  if (drawing.override !== undefined) out.override = { ...drawing.override }
  return out
}
