import t from 'tap'
import { buildTimeLabels, formatBarDate, MIN_LABEL_SPACING } from '../../src/render/time-axis.js'

t.test('daily bars are dates: a zone west of UTC does not move them to the previous day', async (t) => {
  const time = Date.UTC(2020, 3, 17)
  t.equal(formatBarDate(time, '1D', 'America/New_York'), '2020-04-17')
  t.equal(formatBarDate(time, '1M', 'Pacific/Honolulu'), '2020-04-17')
})

t.test('intraday bars are shown in the requested zone', async (t) => {
  const time = Date.UTC(2020, 3, 17, 13, 30)
  t.equal(formatBarDate(time, '15m', 'America/New_York'), '2020-04-17 09:30')
  t.equal(formatBarDate(time, '15m', 'Etc/UTC'), '2020-04-17 13:30')
  t.equal(formatBarDate(time, '1h', 'Asia/Tokyo'), '2020-04-17 22:30')
})

t.test('intraday labels: hours in the zone, the day number where a day begins', async (t) => {
  // Two New York sessions of 15-minute bars, 13:30–20:00 UTC (09:30–16:00 EDT).
  const times: number[] = []
  for (const day of [16, 17]) for (let m = 0; m < 390; m += 15) times.push(Date.UTC(2020, 3, day, 13, 30 + m))
  const labels = buildTimeLabels(times, '15m', 'America/New_York', 700)
  const texts = labels.indices.map((i) => labels.text.get(i))
  t.ok(texts.includes('17'), 'the second session is labelled with its day')
  for (const text of texts) t.match(text, /^(\d{2}:\d{2}|17)$/)
  const hours = texts.filter((x) => x?.includes(':')).map((x) => Number(x?.slice(0, 2)))
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
