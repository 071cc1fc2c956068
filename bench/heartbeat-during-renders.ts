/**
 * Do SSE heartbeats stay on schedule while charts render? Opens /mcp/events/<id> on our server (a child process)
 * with HEARTBEAT_MS=100, records each heartbeat's arrival, and compares how late each comes after the previous one
 * during an idle phase (baseline) and during a burst of concurrent 1920x1080 four-pane renders. Target (issue 3):
 * heartbeats during the burst arrive within 50 ms of schedule.
 *   npx tsx bench/heartbeat-during-renders.ts [--renders 40] [--seconds 6]
 */
import { request } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { spawn } from 'node:child_process'
import { freePort, ROOT, startServerProcess, stopProcess } from './support/processes.js'

const { values } = parseArgs({ options: { renders: { type: 'string', default: '40' }, seconds: { type: 'string', default: '6' } } })
const PERIOD = 100
const renders = Number(values.renders)
const seconds = Number(values.seconds)

const port = await freePort()
const base = `http://127.0.0.1:${port}`
const server = await startServerProcess('src/cli.ts', {
  PORT: String(port),
  DATA_DIR: mkdtempSync(join(tmpdir(), 'bench-hb-')),
  HEARTBEAT_MS: String(PERIOD),
  RENDER_CACHE_ENTRIES: '0',
  RENDER_QUEUE_LIMIT: String(renders * 2)
}, `${base}/health`)

const arrivals: number[] = []
/** The heartbeat's own `timestamp`: when the server's timer fired (ms precision), apart from delivery and the client. */
const sent: number[] = []
const stream = request(`${base}/mcp/events/bench-heartbeat`, { headers: { accept: 'text/event-stream' } })
stream.on('response', (response) => {
  let buffered = ''
  response.setEncoding('utf8')
  response.on('data', (chunk: string) => {
    buffered += chunk
    let end
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const frame = buffered.slice(0, end)
      if (frame.includes('event: heartbeat')) {
        arrivals.push(performance.now())
        sent.push(Date.parse((JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { timestamp: string }).timestamp))
      }
      buffered = buffered.slice(end + 2)
    }
  })
})
stream.on('error', () => {})
stream.end()

/**
 * Lateness of each heartbeat: how much longer than HEARTBEAT_MS it came after the previous one. (Node schedules each
 * interval from when the previous callback ran, so lateness against a fixed grid would add up every delay since
 * the start; the gap is what a client watching for a stale stream sees.)
 */
function lateness (times: number[]): number[] {
  return times.slice(1).map((time, index) => Math.max(0, time - times[index] - PERIOD))
}

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
}

async function phase (work: () => Promise<unknown>): Promise<{ arrival: number[], server: number[] }> {
  const from = arrivals.length
  await work()
  return { arrival: lateness(arrivals.slice(from)), server: lateness(sent.slice(from)) }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
// Warm-up: the first tool call loads (and, under tsx, compiles) modules on the main thread; measure a warm server.
await new Promise((resolve) => spawn(process.execPath, ['--import', 'tsx', 'bench/support/render-burst.ts', base, '2'], { cwd: ROOT, stdio: 'ignore' }).once('exit', resolve))
await sleep(500)
const idle = await phase(async () => { await sleep(seconds * 1000) })

let burstSummary = ''
const burst = await phase(async () => {
  // The burst runs in its own process: parsing 40 large responses here would delay our own heartbeat timestamps.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/render-burst.ts', base, String(renders)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  await new Promise((resolve) => child.once('exit', resolve))
  const [ok, failed, seconds] = output.trim().split(' ')
  burstSummary = `${ok} ok, ${failed} failed, ${seconds} s`
})

stream.destroy()
await stopProcess(server)

console.log(`\n\`npx tsx bench/heartbeat-during-renders.ts --renders ${renders} --seconds ${seconds}\` (HEARTBEAT_MS=${PERIOD}, RENDER_WORKERS = cores)\n`)
console.log('| phase | heartbeats | arrival lateness p50 ms | p99 ms | max ms | server-side (timer) lateness p50 ms | max ms |')
console.log('|---|---|---|---|---|---|---|')
for (const [name, values] of [['idle (baseline)', idle], [`burst: ${renders} concurrent 1920x1080 4-pane renders (${burstSummary})`, burst]] as const) {
  const { arrival, server } = values
  console.log(`| ${name} | ${arrival.length} | ${percentile(arrival, 0.5).toFixed(1)} | ${percentile(arrival, 0.99).toFixed(1)} | ${Math.max(...arrival).toFixed(1)} | ${percentile(server, 0.5).toFixed(1)} | ${Math.max(...server).toFixed(1)} |`)
}
