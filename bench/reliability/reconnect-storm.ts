/**
 * Scenario 2, reconnect storm: channels on `/mcp/events/:clientId` (the server in its own process) while a burst of
 * charts broadcasts its progress; connections are cut again and again (client side, at random), and every client
 * resumes with its Last-Event-ID. Within the replay window, each client must end with exactly the events a client
 * that was never cut saw: 0 lost, 0 duplicated. Beyond it (a second server with a small window), every client that
 * missed events is told (`events_missed`, reason named), including clients that come back without a Last-Event-ID.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest, type ClientRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseSse, type SseEvent } from '../../test/sse/sse-text.js'
import { BOUNDED, Report, requestChart, until } from './report.js'
import { startServerProcess, stopServerProcess } from './server-process.js'

const CHANNELS = BOUNDED ? 100 : 1000
const CHARTS = BOUNDED ? 30 : 120
const report = new Report(`2. Reconnect storm: ${CHANNELS.toLocaleString('en-US')} channels, ${CHARTS} charts, connections cut repeatedly`)

/** An SSE client that remembers its Last-Event-ID and can be cut and resumed. */
class ResumingClient {
  readonly events: SseEvent[] = []
  lastEventId: string | null = null
  connections = 0
  #request: ClientRequest | undefined
  #rest = ''
  #connected: Promise<void> = Promise.resolve()

  constructor (readonly url: string, readonly clientId: string) {}

  get live (): boolean { return this.#request !== undefined }

  connect (withLastEventId = true): Promise<void> {
    this.connections++
    this.#rest = ''
    this.#connected = new Promise((resolve) => {
      const headers: Record<string, string> = { accept: 'text/event-stream' }
      if (withLastEventId && this.lastEventId !== null) headers['last-event-id'] = this.lastEventId
      const request = httpRequest(`${this.url}/mcp/events/${this.clientId}`, { agent: false, headers }, (res) => {
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const { events, rest } = parseSse(this.#rest + chunk)
          this.#rest = rest
          for (const event of events) {
            this.events.push(event)
            if (event.id !== undefined) this.lastEventId = event.id
            if (event.event === 'connected') resolve()
          }
        })
        res.on('close', () => { if (this.#request === request) this.#request = undefined; resolve() })
      })
      request.on('error', () => { if (this.#request === request) this.#request = undefined; resolve() })
      request.end()
      this.#request = request
    })
    return this.#connected
  }

  cut (): void {
    this.#request?.destroy()
    this.#request = undefined
  }

  progress (): SseEvent[] { return this.events.filter((e) => e.event === 'chart_progress') }
  missed (): Array<{ reason: string }> { return this.events.filter((e) => e.event === 'events_missed').map((e) => JSON.parse(e.data ?? '{}') as { reason: string }) }
}

async function withinWindow (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reliability-storm-'))
  const server = await startServerProcess(dataDir, { SSE_REPLAY_EVENTS: '5000', MAX_SSE_CLIENTS: '100000', RENDER_WORKERS: '2', RENDER_CACHE_ENTRIES: '0', HEARTBEAT_MS: '3600000' })
  try {
    const reference = new ResumingClient(server.url, 'storm-reference')
    await reference.connect()
    const clients = Array.from({ length: CHANNELS }, (_, i) => new ResumingClient(server.url, `storm-${i}`))
    await Promise.all(clients.map(async (c) => { await c.connect() }))

    const burst = { running: true }
    let cuts = 0
    const storm = (async () => {
      while (burst.running) {
        for (const client of clients) {
          if (client.live && Math.random() < 0.05) {
            client.cut()
            cuts++
          } else if (!client.live && Math.random() < 0.5) {
            client.connect().catch(() => {})
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })()
    const started = performance.now()
    const ids = await Promise.all(Array.from({ length: CHARTS }, async (_, i) => await requestChart(server.url, i)))
    burst.running = false
    await storm
    const burstSeconds = (performance.now() - started) / 1000
    // Everyone back, resuming from its Last-Event-ID; a last chart marks the end of the stream for all.
    await Promise.all(clients.filter((c) => !c.live).map(async (c) => { await c.connect() }))
    const marker = await requestChart(server.url, CHARTS)
    if (!report.check('the last chart was made (its request id is known)', marker !== '')) return
    const hasMarker = (c: ResumingClient): boolean => c.progress().some((e) => e.data?.includes(marker) === true && e.data.includes('"completed"'))
    await until('every client to receive the last chart', () => hasMarker(reference) && clients.every(hasMarker))

    const expected = new Set(reference.progress().map((e) => e.id))
    let lost = 0
    let duplicated = 0
    let told = 0
    for (const client of clients) {
      const received = client.progress().map((e) => e.id)
      const unique = new Set(received)
      duplicated += received.length - unique.size
      for (const id of expected) if (!unique.has(id)) lost++
      if (client.missed().length > 0) told++
    }
    report.figure('charts, events per channel, cuts, reconnections', `${ids.length + 1}, ${expected.size}, ${cuts}, ${clients.reduce((n, c) => n + c.connections - 1, 0)}`)
    report.figure('burst time (s)', burstSeconds.toFixed(1))
    report.check(`0 events lost over ${CHANNELS} channels (${lost})`, lost === 0)
    report.check(`0 events duplicated (${duplicated})`, duplicated === 0)
    report.check(`no events_missed within the replay window (${told} clients told)`, told === 0)
    report.check('connections were really cut', cuts > CHANNELS / 10, String(cuts))
    for (const c of [reference, ...clients]) c.cut()
  } finally {
    await stopServerProcess(server)
    await rm(dataDir, { recursive: true, force: true })
  }
}

async function beyondWindow (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'reliability-storm-window-'))
  // 2 × count streams from one address: over the default per-address quota in the full form.
  const server = await startServerProcess(dataDir, { SSE_REPLAY_EVENTS: '20', RENDER_WORKERS: '2', RENDER_CACHE_ENTRIES: '0', HEARTBEAT_MS: '3600000' })
  const count = BOUNDED ? 20 : 100
  try {
    const resuming = Array.from({ length: count }, (_, i) => new ResumingClient(server.url, `window-${i}`))
    const bare = Array.from({ length: count }, (_, i) => new ResumingClient(server.url, `bare-${i}`))
    await Promise.all([...resuming, ...bare].map(async (c) => { await c.connect() }))
    for (const c of [...resuming, ...bare]) c.cut()
    // More events than the 20-event window pass while they are away.
    for (let i = 0; i < 12; i++) await requestChart(server.url, 500 + i)
    await Promise.all(resuming.map(async (c) => { await c.connect(true) }))
    await Promise.all(bare.map(async (c) => { await c.connect(false) }))
    await until('every client to hear about what it missed', () => [...resuming, ...bare].every((c) => c.missed().length > 0), 60_000)
    const evicted = resuming.filter((c) => c.missed().some((m) => m.reason === 'evicted')).length
    const noId = bare.filter((c) => c.missed().some((m) => m.reason === 'no_last_event_id')).length
    report.check(`beyond the window: ${evicted} of ${count} resuming clients told (events_missed: evicted)`, evicted === count)
    report.check(`reconnect without Last-Event-ID: ${noId} of ${count} clients told (events_missed: no_last_event_id)`, noId === count)
    for (const c of [...resuming, ...bare]) c.cut()
  } finally {
    await stopServerProcess(server)
    await rm(dataDir, { recursive: true, force: true })
  }
}

await withinWindow()
await beyondWindow()
report.finish()
