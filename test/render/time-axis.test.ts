import t from 'tap'
import { buildTimeLabels, MIN_LABEL_SPACING } from '../../src/render/time-axis.js'

t.test('daily bars are dates: a zone west of UTC does not move them to the previous day', async (t) => {
  // 2020-03-02 … 2020-05-29 (00:00 UTC each). Read in Honolulu, 1 April 00:00 UTC would be 31 March.
  const times = Array.from({ length: 89 }, (_, i) => Date.UTC(2020, 2, 2) + i * 86_400_000)
  for (const zone of ['Pacific/Honolulu', 'America/New_York', 'Etc/UTC']) {
    const labels = buildTimeLabels(times, '1D', zone, 800)
    const april = labels.indices.find((i) => labels.text.get(i) === 'Apr')
    t.equal(april === undefined ? undefined : new Date(times[april]).toISOString().slice(0, 10), '2020-04-01', zone)
  }
})

t.test('intraday labels: hours in the zone, the day number where a day begins', async (t) => {
  // Two New York sessions of 15-minute bars, 13:30–20:00 UTC (09:30–16:00 EDT).
  const times: number[] = []
  for (const day of [16, 17]) for (let m = 0; m < 390; m += 15) times.push(Date.UTC(2020, 3, day, 13, 30 + m))
  const labels = buildTimeLabels(times, '15m', 'America/New_York', 700)
  const texts = labels.indices.map((i) => labels.text.get(i))
  t.ok(texts.includes('17'), 'the second session is labelled with its day')
  t.match(texts[0], /^16 Apr 2020 \d{2}:\d{2}$/, 'the first label carries the date')
  for (const text of texts.slice(1)) t.match(text, /^(\d{2}:\d{2}|17)$/)
  const hours = texts.filter((x) => x?.includes(':')).map((x) => Number(/(\d{2}):\d{2}$/.exec(x ?? '')?.[1]))
  t.ok(hours.every((h) => h >= 9 && h <= 16), `hours are New York session hours: ${hours.join(',')}`)
})

t.test('labels never crowd', async (t) => {
  const times = Array.from({ length: 2000 }, (_, i) => Date.UTC(2000, 0, 3) + i * 86_400_000)
  const labels = buildTimeLabels(times, '1D', 'Etc/UTC', 800)
  const slot = 800 / times.length
  for (let i = 1; i < labels.indices.length; i++) t.ok((labels.indices[i] - labels.indices[i - 1]) * slot >= MIN_LABEL_SPACING)
  t.ok(labels.indices.length >= 4)
  t.match([...labels.text.values()].filter((x) => /^\d{4}$/.test(x)).length, 5, 'years label the year boundaries')
})
