/**
 * Colours of the embedded renderer, taken from TradingView's default chart settings (2023+ palette: up #089981,
 * down #f23645, line #2962ff; light background #ffffff, dark #131722) so local charts read like Chart-IMG's.
 */
export type ThemeName = 'light' | 'dark'

export interface ChartTheme {
  background: string
  text: string
  /** Axis labels and secondary legend text. */
  mutedText: string
  grid: string
  /** Pane borders and axis lines. */
  border: string
  up: string
  down: string
  line: string
  areaTop: string
  areaBottom: string
  baselineUpFill: string
  baselineDownFill: string
  volumeUp: string
  volumeDown: string
  /** Default colour of drawings. */
  drawing: string
  profitFill: string
  lossFill: string
  /** Text on a coloured price tag. */
  tagText: string
}

const UP = '#089981'
const DOWN = '#f23645'
const BLUE = '#2962ff'

export const THEME_COLORS: Record<ThemeName, ChartTheme> = {
  light: {
    background: '#ffffff',
    text: '#131722',
    mutedText: '#6a6d78',
    grid: '#f0f3fa',
    border: '#e0e3eb',
    up: UP,
    down: DOWN,
    line: BLUE,
    areaTop: 'rgba(41,98,255,0.28)',
    areaBottom: 'rgba(41,98,255,0.02)',
    baselineUpFill: 'rgba(8,153,129,0.22)',
    baselineDownFill: 'rgba(242,54,69,0.22)',
    volumeUp: 'rgba(8,153,129,0.5)',
    volumeDown: 'rgba(242,54,69,0.5)',
    drawing: BLUE,
    profitFill: 'rgba(8,153,129,0.2)',
    lossFill: 'rgba(242,54,69,0.2)',
    tagText: '#ffffff'
  },
  dark: {
    background: '#131722',
    text: '#d1d4dc',
    mutedText: '#a3a6af',
    grid: '#1f2330',
    border: '#2a2e39',
    up: UP,
    down: DOWN,
    line: BLUE,
    areaTop: 'rgba(41,98,255,0.35)',
    areaBottom: 'rgba(41,98,255,0.02)',
    baselineUpFill: 'rgba(8,153,129,0.28)',
    baselineDownFill: 'rgba(242,54,69,0.28)',
    volumeUp: 'rgba(8,153,129,0.5)',
    volumeDown: 'rgba(242,54,69,0.5)',
    drawing: '#4e7bff',
    profitFill: 'rgba(8,153,129,0.25)',
    lossFill: 'rgba(242,54,69,0.25)',
    tagText: '#ffffff'
  }
}

export const FONT_FAMILY = 'DejaVu Sans'
