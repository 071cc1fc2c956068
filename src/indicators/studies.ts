/**
 * The study registry of the embedded engine: Chart-IMG/TradingView study names with TradingView's defaults, turned
 * into lines the renderer draws. Names, inputs, default colours and override keys follow TradingView's built-in
 * studies (the names Chart-IMG passes through, shared/reference/chart-img-api.md).
 */
import { ChartError } from '../chart/errors.js'
import type { StudySpec } from '../chart/request.js'
import { STUDY_ALIAS_NAMES } from '../chart/study-aliases.js'
import { closestName, didYouMean } from '../chart/suggestions.js'
import type { Series } from '../market/types.js'
import { PALETTE, levelColor, parseColor, withAlpha } from './colors.js'
import { readInputs, sourceValues, type InputDef, type InputValues, type SourceName } from './inputs.js'
import { ema, shift, sma, vwma, type Line } from './moving-averages.js'
import { atr, bollinger, macd, obv, rsi, stochastic, type AtrSmoothing } from './oscillators.js'

export interface StudyLine {
  label: string
  /** Aligned with `series.bars` (the full series); null where there is no value (warm-up). */
  values: Array<number | null>
  kind: 'line' | 'histogram'
  /** Line colour; for a histogram the colour of bars without an entry in `barColors`. */
  color: string
  /** Per-bar colours aligned with `values` (Volume up/down, MACD histogram growing/falling). */
  barColors?: string[]
  /** Stroke width in px (TradingView's `linewidth`); default 1 when absent. */
  lineWidth?: number
  /** True when the request's override chose `color`: the renderer keeps it even where it matches another line. */
  colorOverridden?: boolean
}

export interface StudyOutput {
  /** Chart-IMG name as asked, e.g. "Relative Strength Index". */
  name: string
  /** Legend text, e.g. "RSI 14 close". */
  title: string
  /** 'price': drawn on the price pane (overlays, or forceOverlay); 'own': a pane of its own below. */
  pane: 'price' | 'own'
  /**
   * Value scale: 'price' = the price axis (moving averages, bands); 'own' = a separate scale (oscillators, volume).
   * A study with pane 'price' and scale 'own' (e.g. Volume with forceOverlay) needs its own hidden axis on the price
   * pane, as TradingView draws overlaid volume along the bottom.
   */
  scale: 'price' | 'own'
  lines: StudyLine[]
  /** Area between two lines, by label, e.g. Bollinger's Upper/Lower. */
  fills?: Array<{ upper: string, lower: string, color: string }>
  /** Horizontal levels, e.g. RSI 70/50/30 (colour given for each). */
  levels?: Array<{ value: number, label?: string, color?: string }>
  /** Shaded band between two fixed values, e.g. RSI 30–70, Stochastic 20–80. */
  bands?: Array<{ from: number, to: number, color: string }>
  /** Fixed pane scale, e.g. RSI 0–100. */
  range?: { min: number, max: number }
  /** What was not honoured (unknown inputs or override keys, no volume data…), said plainly. */
  notes: string[]
}

interface PlotDraft {
  label: string
  /** Override names of the plot (TradingView's plot titles and synonyms). */
  names: string[]
  values: Line
  kind: 'line' | 'histogram'
  /** Colour palette; a line uses palette[0]; histograms pick per bar with paletteIndex. */
  palette: string[]
  paletteIndex?: number[]
  lineWidth?: number
  visible?: boolean
  colorOverridden?: boolean
}

interface LevelDraft { value: number, label: string, names: string[], color: string }

interface Draft {
  title: string
  plots: PlotDraft[]
  fill?: { upper: string, lower: string, color: string, names: string[] }
  levels?: LevelDraft[]
  band?: { from: string, to: string, color: string, names: string[] }
  range?: { min: number, max: number }
  notes?: string[]
}

interface StudyContext { series: Series, inputs: InputValues, theme: 'light' | 'dark', name: string }

interface StudyDef {
  name: string
  aliases?: string[]
  overlay: boolean
  needsVolume?: boolean
  inputs: InputDef[]
  compute: (ctx: StudyContext) => Draft
}

const MAX_LENGTH = 5000
const length = (def: number, aliases: string[] = []): InputDef =>
  ({ kind: 'int', key: 'length', aliases: ['len', 'period', 'in_0', ...aliases], default: def, min: 1, max: MAX_LENGTH })
const source = (aliases: string[] = []): InputDef => ({ kind: 'source', key: 'source', aliases: ['src', ...aliases], default: 'close' })
const offset: InputDef = { kind: 'int', key: 'offset', aliases: [], default: 0, min: -500, max: 500 }

const src = (ctx: StudyContext): number[] => sourceValues(ctx.series.bars, ctx.inputs.source as SourceName)
const num = (ctx: StudyContext, key: string): number => ctx.inputs[key] as number
const withOffset = (title: string, ctx: StudyContext): string => (num(ctx, 'offset') === 0 ? title : `${title} ${num(ctx, 'offset')}`)

const line = (label: string, names: string[], values: Line, color: string): PlotDraft =>
  ({ label, names: [label, ...names], values, kind: 'line', palette: [color] })

const movingAverage = (name: string, short: string, fn: (values: number[], length: number) => Line): StudyDef => ({
  name,
  overlay: true,
  inputs: [length(9), source(), offset],
  compute: (ctx) => ({
    title: withOffset(`${short} ${num(ctx, 'length')} ${ctx.inputs.source}`, ctx),
    plots: [line(short, ['Plot'], shift(fn(src(ctx), num(ctx, 'length')), num(ctx, 'offset')), PALETTE.blue)]
  })
})

const oscillatorLevels = (upper: number, middle: number | undefined, lower: number, theme: 'light' | 'dark'): LevelDraft[] => [
  { value: upper, label: 'Upper Band', names: ['UpperLimit', 'Upper Band', 'Overbought'], color: levelColor(theme) },
  ...(middle === undefined ? [] : [{ value: middle, label: 'Middle Band', names: ['MiddleLimit', 'Middle Band'], color: withAlpha(levelColor(theme).slice(0, 7), 0.5) }]),
  { value: lower, label: 'Lower Band', names: ['LowerLimit', 'Lower Band', 'Oversold'], color: levelColor(theme) }
]

const STUDIES: StudyDef[] = [
  {
    name: 'Volume',
    overlay: false,
    needsVolume: true,
    inputs: [],
    compute: ({ series }) => ({
      title: 'Volume',
      plots: [{
        label: 'Volume',
        names: ['Volume', 'Plot'],
        values: series.bars.map((b) => b.volume),
        kind: 'histogram',
        // TradingView: index 0 = falling (close < open), 1 = growing; 50 % opacity so price bars stay visible.
        palette: [withAlpha(PALETTE.red, 0.5), withAlpha(PALETTE.teal, 0.5)],
        paletteIndex: series.bars.map((b) => (b.close < b.open ? 0 : 1))
      }]
    })
  },
  movingAverage('Moving Average', 'MA', sma),
  movingAverage('Moving Average Exponential', 'EMA', ema),
  {
    name: 'Bollinger Bands',
    overlay: true,
    inputs: [length(20), source(), { kind: 'float', key: 'mult', aliases: ['stdDev', 'std', 'stddev', 'deviation', 'deviations', 'multiplier', 'in_1'], default: 2, min: 0.001, max: 50 }, offset],
    compute: (ctx) => {
      const bands = bollinger(src(ctx), num(ctx, 'length'), num(ctx, 'mult'))
      const o = num(ctx, 'offset')
      return {
        title: withOffset(`BB ${num(ctx, 'length')} ${ctx.inputs.source} ${num(ctx, 'mult')}`, ctx),
        plots: [
          line('Basis', ['Median', 'Middle', 'Plot'], shift(bands.middle, o), PALETTE.blue),
          line('Upper', [], shift(bands.upper, o), PALETTE.red),
          line('Lower', [], shift(bands.lower, o), PALETTE.teal)
        ],
        fill: { upper: 'Upper', lower: 'Lower', color: 'rgba(33,150,243,0.05)', names: ['Plots Background', 'Background', 'Fill'] }
      }
    }
  },
  {
    name: 'Relative Strength Index',
    overlay: false,
    inputs: [length(14, ['rsiLength']), source(['rsiSource'])],
    compute: (ctx) => ({
      title: `RSI ${num(ctx, 'length')} ${ctx.inputs.source}`,
      plots: [line('RSI', ['Plot'], rsi(src(ctx), num(ctx, 'length')), PALETTE.purple)],
      levels: oscillatorLevels(70, 50, 30, ctx.theme),
      band: { from: 'Lower Band', to: 'Upper Band', color: 'rgba(126,87,194,0.1)', names: ['Hlines Background', 'Background'] },
      range: { min: 0, max: 100 }
    })
  },
  {
    name: 'MACD',
    aliases: ['Moving Average Convergence Divergence'],
    overlay: false,
    inputs: [
      { kind: 'int', key: 'fastLength', aliases: ['fast', 'fastPeriod', 'in_0'], default: 12, min: 1, max: MAX_LENGTH },
      { kind: 'int', key: 'slowLength', aliases: ['slow', 'slowPeriod', 'in_1'], default: 26, min: 1, max: MAX_LENGTH },
      source(),
      { kind: 'int', key: 'signalLength', aliases: ['signal', 'signalSmoothing', 'signalPeriod', 'in_2'], default: 9, min: 1, max: 50 }
    ],
    compute: (ctx) => {
      const lines = macd(src(ctx), num(ctx, 'fastLength'), num(ctx, 'slowLength'), num(ctx, 'signalLength'))
      // TradingView's histogram palette: growing/falling above zero, growing/falling below zero.
      const paletteIndex = lines.histogram.map((h, i) => {
        const previous = i > 0 ? lines.histogram[i - 1] : null
        const growing = previous === null || h === null ? true : h > previous
        return (h ?? 0) >= 0 ? (growing ? 0 : 1) : (growing ? 2 : 3)
      })
      return {
        title: `MACD ${num(ctx, 'fastLength')} ${num(ctx, 'slowLength')} ${ctx.inputs.source} ${num(ctx, 'signalLength')}`,
        plots: [
          { label: 'Histogram', names: ['Histogram', 'Hist'], values: lines.histogram, kind: 'histogram', palette: [PALETTE.histogramGrowAbove, PALETTE.histogramFallAbove, PALETTE.histogramGrowBelow, PALETTE.histogramFallBelow], paletteIndex },
          line('MACD', ['Plot'], lines.macd, PALETTE.blue),
          line('Signal', [], lines.signal, PALETTE.orange)
        ],
        levels: [{ value: 0, label: 'Zero Line', names: ['Zero Line', 'ZeroLine'], color: withAlpha(levelColor(ctx.theme).slice(0, 7), 0.5) }]
      }
    }
  },
  {
    name: 'Stochastic',
    overlay: false,
    inputs: [
      { kind: 'int', key: 'kLength', aliases: ['length', 'k', 'periodK', 'kPeriod', 'in_0'], default: 14, min: 1, max: MAX_LENGTH },
      { kind: 'int', key: 'kSmoothing', aliases: ['smoothK', 'kSmooth', 'in_1'], default: 1, min: 1, max: MAX_LENGTH },
      { kind: 'int', key: 'dSmoothing', aliases: ['d', 'smoothD', 'periodD', 'dPeriod', 'dLength', 'signalPeriod', 'in_2'], default: 3, min: 1, max: MAX_LENGTH }
    ],
    compute: (ctx) => {
      const bars = ctx.series.bars
      const lines = stochastic(bars.map((b) => b.high), bars.map((b) => b.low), bars.map((b) => b.close), num(ctx, 'kLength'), num(ctx, 'kSmoothing'), num(ctx, 'dSmoothing'))
      return {
        title: `Stoch ${num(ctx, 'kLength')} ${num(ctx, 'kSmoothing')} ${num(ctx, 'dSmoothing')}`,
        plots: [line('%K', ['K', 'Plot'], lines.k, PALETTE.blue), line('%D', ['D'], lines.d, PALETTE.orange)],
        levels: oscillatorLevels(80, 50, 20, ctx.theme),
        band: { from: 'Lower Band', to: 'Upper Band', color: 'rgba(33,150,243,0.1)', names: ['Hlines Background', 'Background'] },
        range: { min: 0, max: 100 }
      }
    }
  },
  {
    name: 'Average True Range',
    overlay: false,
    inputs: [length(14), { kind: 'choice', key: 'smoothing', aliases: ['ma', 'maType', 'in_1'], default: 'RMA', options: ['RMA', 'SMA', 'EMA'] }],
    compute: (ctx) => {
      const bars = ctx.series.bars
      const values = atr(bars.map((b) => b.high), bars.map((b) => b.low), bars.map((b) => b.close), num(ctx, 'length'), ctx.inputs.smoothing as AtrSmoothing)
      return { title: `ATR ${num(ctx, 'length')} ${ctx.inputs.smoothing}`, plots: [line('ATR', ['Plot'], values, PALETTE.darkRed)] }
    }
  },
  {
    name: 'On Balance Volume',
    overlay: false,
    needsVolume: true,
    inputs: [],
    compute: ({ series }) => ({
      title: 'OBV',
      plots: [line('OBV', ['Plot'], obv(series.bars.map((b) => b.close), series.bars.map((b) => b.volume)), PALETTE.blue)]
    })
  },
  {
    name: 'Volume Weighted Moving Average',
    overlay: true,
    needsVolume: true,
    inputs: [length(20), source(), offset],
    compute: (ctx) => ({
      title: withOffset(`VWMA ${num(ctx, 'length')} ${ctx.inputs.source}`, ctx),
      plots: [line('VWMA', ['Plot'], shift(vwma(src(ctx), ctx.series.bars.map((b) => b.volume), num(ctx, 'length')), num(ctx, 'offset')), PALETTE.blue)]
    })
  }
]

/** Study names the embedded engine draws (Chart-IMG / TradingView full names). */
export const SUPPORTED_STUDIES: readonly string[] = STUDIES.flatMap((s) => [s.name, ...(s.aliases ?? [])])

function findStudy (name: string): StudyDef {
  const wanted = name.trim().toLowerCase()
  const def = STUDIES.find((s) => s.name.toLowerCase() === wanted || (s.aliases ?? []).some((a) => a.toLowerCase() === wanted))
  if (def === undefined) {
    const suggestion = closestName(name, SUPPORTED_STUDIES, STUDY_ALIAS_NAMES)
    // An alias of a study this engine does not draw (VWAP) is no suggestion.
    const hint = suggestion !== undefined && SUPPORTED_STUDIES.includes(suggestion) ? didYouMean(suggestion) : ''
    throw new ChartError('UNSUPPORTED_STUDY', `Study "${name}" is not supported by the embedded engine.${hint} Supported studies: ${SUPPORTED_STUDIES.join(', ')}`)
  }
  return def
}

const normalizeName = (name: string): string => name.toLowerCase().replace(/[\s_]/g, '')

/**
 * Computes one study over the whole series. Throws ChartError UNSUPPORTED_STUDY for an unknown name and
 * INVALID_REQUEST for a bad input value; unknown inputs and override keys, bad override values and missing volume
 * data become `notes` (the chart is still drawn).
 */
export function computeStudy (study: StudySpec, series: Series, theme: 'light' | 'dark'): StudyOutput {
  const def = findStudy(study.name)
  const { values: inputs, notes } = readInputs(study.name, def.inputs, study.input)
  const pane: StudyOutput['pane'] = def.overlay || study.forceOverlay === true ? 'price' : 'own'
  const scale: StudyOutput['scale'] = def.overlay ? 'price' : 'own'
  if (def.needsVolume === true && series.fields !== 'ohlcv') {
    notes.push(`${study.name}: ${series.symbol} has no volume data; not drawn`)
    for (const key of Object.keys(study.override ?? {})) notes.push(`${study.name}: override "${key}" ignored (study not drawn)`)
    return { name: study.name, title: study.name, pane, scale, lines: [], notes }
  }
  const draft = def.compute({ series, inputs, theme, name: study.name })
  notes.push(...(draft.notes ?? []))
  applyOverrides(study, draft, notes)

  const visible = draft.plots.filter((p) => p.visible !== false)
  const visibleLabels = new Set(visible.map((p) => p.label))
  const output: StudyOutput = {
    name: study.name,
    title: draft.title,
    pane,
    scale,
    lines: visible.map((p) => {
      const out: StudyLine = { label: p.label, values: p.values, kind: p.kind, color: p.palette[0] }
      if (p.paletteIndex !== undefined) out.barColors = p.paletteIndex.map((i) => p.palette[i])
      if (p.lineWidth !== undefined) out.lineWidth = p.lineWidth
      if (p.colorOverridden === true) out.colorOverridden = true
      return out
    }),
    notes
  }
  if (draft.fill !== undefined && visibleLabels.has(draft.fill.upper) && visibleLabels.has(draft.fill.lower)) {
    output.fills = [{ upper: draft.fill.upper, lower: draft.fill.lower, color: draft.fill.color }]
  }
  if (draft.levels !== undefined) {
    output.levels = draft.levels.map((l) => ({ value: l.value, label: l.label, color: l.color }))
    if (draft.band !== undefined) {
      const from = draft.levels.find((l) => l.label === draft.band?.from)?.value
      const to = draft.levels.find((l) => l.label === draft.band?.to)?.value
      if (from !== undefined && to !== undefined) output.bands = [{ from: Math.min(from, to), to: Math.max(from, to), color: draft.band.color }]
    }
  }
  if (draft.range !== undefined) output.range = draft.range
  return output
}

/**
 * TradingView override keys `<Plot>.<property>[.<index>]`: color (with an index for multi-colour histograms:
 * Volume.color.0 = falling, .1 = growing), linewidth, visible; `<Level>.value`/`.color` for levels; fill colours
 * through "Plots Background.color" / "Hlines Background.color".
 */
function applyOverrides (study: StudySpec, draft: Draft, notes: string[]): void {
  for (const [key, value] of Object.entries(study.override ?? {})) {
    const parts = key.split('.')
    const target = normalizeName(parts[0] ?? '')
    const property = (parts[1] ?? '').toLowerCase()
    const index = parts[2] === undefined ? undefined : Number(parts[2])
    const ignored = (why: string): void => { notes.push(`${study.name}: override "${key}" ${why}`) }
    const color = (): string | undefined => {
      const parsed = parseColor(value)
      if (parsed === undefined) ignored(`has ${JSON.stringify(value)}, which is not a colour (use #rrggbb, rgb(r,g,b), rgba(r,g,b,a) or a CSS name); default kept`)
      return parsed
    }

    const plot = draft.plots.find((p) => p.names.some((n) => normalizeName(n) === target))
    if (plot !== undefined && parts.length >= 2 && parts.length <= 3) {
      if (property === 'color') {
        if (index !== undefined && !(Number.isInteger(index) && index >= 0 && index < plot.palette.length)) {
          ignored(`names colour ${parts[2]}, but ${plot.label} has ${plot.palette.length === 1 ? 'one colour' : `colours 0–${plot.palette.length - 1}`}`)
          continue
        }
        const parsed = color()
        if (parsed === undefined) continue
        if (index === undefined) plot.palette = plot.palette.map(() => parsed)
        else plot.palette[index] = parsed
        if (index === undefined || index === 0) plot.colorOverridden = true
        continue
      }
      if (property === 'linewidth' && parts.length === 2) {
        if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10) plot.lineWidth = value
        else ignored('must be an integer from 1 to 10; default kept')
        continue
      }
      if (property === 'visible' && parts.length === 2) {
        if (typeof value === 'boolean') plot.visible = value
        else ignored('must be true or false; ignored')
        continue
      }
    }
    const level = draft.levels?.find((l) => l.names.some((n) => normalizeName(n) === target) || normalizeName(l.label) === target)
    if (level !== undefined && parts.length === 2) {
      if (property === 'value') {
        if (typeof value === 'number' && Number.isFinite(value)) level.value = value
        else ignored('must be a number; default kept')
        continue
      }
      if (property === 'color') {
        const parsed = color()
        if (parsed !== undefined) level.color = parsed
        continue
      }
    }
    const fill = [draft.fill, draft.band].find((f) => f?.names.some((n) => normalizeName(n) === target))
    if (fill !== undefined && parts.length === 2 && property === 'color') {
      const parsed = color()
      if (parsed !== undefined) fill.color = parsed
      continue
    }
    ignored('is not supported by the embedded engine and was ignored')
  }
}
