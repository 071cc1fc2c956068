import t from 'tap'
import { spawn } from 'node:child_process'
import { connect } from 'node:net'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { openStream } from './stream-client.js'
import { waitFor } from './wait.js'

t.test('SSE response headers', async (t) => {
  const { eventsUrl } = await buildSseApp(t)
  const client = await openStream(t, eventsUrl('headers'))
  t.equal(client.status, 200)
  t.equal(client.headers.get('content-type'), 'text/event-stream')
  t.equal(client.headers.get('cache-control'), 'no-cache, no-transform')
  t.equal(client.headers.get('x-accel-buffering'), 'no')
  await waitFor('connected', () => client.events().length > 0)
  t.equal(client.events()[0].event, 'connected')
})

t.test('invalid clientId → 400 with an actionable JSON error; 128 characters is fine', async (t) => {
  const { origin, eventsUrl } = await buildSseApp(t)
  for (const bad of ['bad%20id', 'a.b', 'caf%C3%A9', 'x'.repeat(129), '%3Cscript%3E']) {
    const response = await fetch(`${origin}/mcp/events/${bad}`, { headers: { accept: 'text/event-stream' } })
    t.equal(response.status, 400, `${bad.slice(0, 20)} → 400`)
    t.match(response.headers.get('content-type'), /^application\/json/)
    const body = await response.json() as { statusCode: number }
    t.equal(body.statusCode, 400)
    // The text may sit in `message` (Fastify's default error handler) or `error` (src/app.ts's handler).
    t.match(JSON.stringify(body), /clientId must be 1 to 128 characters/)
  }
  const ok = await openStream(t, eventsUrl('x'.repeat(128)))
  t.equal(ok.status, 200)
})

t.test('a client that refuses text/event-stream gets 406; HEAD opens no stream', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t)
  const response = await fetch(eventsUrl('json-only'), { headers: { accept: 'application/json' } })
  t.equal(response.status, 406)
  await response.body?.cancel()
  const head = await fetch(eventsUrl('head-only'), { method: 'HEAD', signal: AbortSignal.timeout(60_000) })
  t.equal(head.status, 404)
  t.equal(app.channels.clientCount, 0)
})

t.test('past MAX_SSE_CLIENTS: 503 with Retry-After and a JSON error, never a reset', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t, { config: { MAX_SSE_CLIENTS: 2 } })
  const a = await openStream(t, eventsUrl('a'))
  const b = await openStream(t, eventsUrl('b'))
  await waitFor('b connected', () => b.events().length > 0)
  const refused = await fetch(eventsUrl('c'), { headers: { accept: 'text/event-stream' } })
  t.equal(refused.status, 503)
  t.equal(refused.headers.get('retry-after'), '5')
  t.match(await refused.json(), { statusCode: 503, code: 'SSE_TOO_MANY_CLIENTS', error: /maximum of 2 event streams/ })
  // Open mode: a reconnect proves it is the same client with an id it received on that channel (src/sse/channel-binding.ts).
  const again = await openStream(t, eventsUrl('b'), { 'last-event-id': b.events()[0].id as string })
  t.equal(again.status, 200, 'a reconnect of an existing client replaces it, so it fits')
  a.abort()
  await waitFor('a slot to free', () => app.channels.clientCount === 1)
  const c = await openStream(t, eventsUrl('c'))
  t.equal(c.status, 200)
})

t.test('a second connection with the same clientId replaces the first cleanly', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t)
  const first = await openStream(t, eventsUrl('twin'))
  await waitFor('first connected', () => first.events().length > 0)
  const second = await openStream(t, eventsUrl('twin'), { 'last-event-id': first.events()[0].id as string })
  await first.ended
  t.pass('the old stream was ended by the server')
  await waitFor('second connected', () => second.events().length > 0)
  // The old response's close has fired by now (its stream ended): the new channel must still be registered.
  t.equal(app.channels.clientCount, 1)
  const event = progressEvent()
  await app.bus.publish({ clientId: 'twin', event })
  await waitFor('event on the new stream', () => second.events().some((e) => e.data?.includes(event.requestId)))
  t.notOk(first.text().includes(event.requestId), 'the old stream got nothing after being replaced')
  t.equal(second.isEnded(), false)
})

t.test('disconnect cleanup: clientCount returns to 0; events for departed clients reach no live stream, only their replay buffer', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t)
  const clients = await Promise.all(['p', 'q', 'r'].map(async (id) => await openStream(t, eventsUrl(id))))
  await waitFor('3 clients', () => app.channels.clientCount === 3)
  const lastSeenByP = clients[0].events().at(-1)?.id as string
  for (const client of clients) client.abort()
  await waitFor('clientCount back to 0', () => app.channels.clientCount === 0)
  t.equal(app.channels.rememberedCount, 3, 'replay buffers kept for a while')

  const bystander = await openStream(t, eventsUrl('s'))
  await waitFor('bystander connected', () => bystander.events().some((e) => e.event === 'connected'))
  const forP = progressEvent()
  const forAll = progressEvent()
  await app.bus.publish({ clientId: 'p', event: forP })
  await app.bus.publish({ clientId: null, event: forAll })
  await waitFor('the broadcast on the live stream', () => bystander.text().includes(forAll.requestId))
  t.notOk(bystander.text().includes(forP.requestId), "p's event went to no other stream")
  t.equal(app.channels.clientCount, 1, 'no departed client came back to life')

  const back = await openStream(t, eventsUrl('p'), { 'last-event-id': lastSeenByP })
  await waitFor('both missed events replayed to p', () => back.text().includes(forP.requestId) && back.text().includes(forAll.requestId))
  t.equal(back.events().filter((e) => e.event === 'chart_progress').length, 2, 'exactly the two it missed')
})

t.test('`: keepalive` comment seen by curl -N', async (t) => {
  const { eventsUrl } = await buildSseApp(t, { config: { KEEPALIVE_MS: 100, HEARTBEAT_MS: 3_600_000 } })
  const curl = spawn('curl', ['-N', '-s', eventsUrl('curl-client')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => curl.once('exit', resolve))
  t.teardown(async () => { curl.kill(); await exited })
  let output = ''
  curl.stdout.on('data', (chunk) => { output += String(chunk) })
  await waitFor('keepalive comment', () => output.includes('\n: keepalive\n\n'))
  t.match(output, /^retry: 2000\nid: [0-9a-f]+-\d+\nevent: connected\ndata: \{"type":"connected","clientId":"curl-client"/)
})

t.test('a client that stops reading is dropped once SSE_MAX_QUEUED_BYTES is queued; others are unaffected', async (t) => {
  const { app, port, eventsUrl } = await buildSseApp(t, { config: { SSE_MAX_QUEUED_BYTES: 1024 } })
  const healthy = await openStream(t, eventsUrl('healthy'))
  // A raw socket that sends its request and never reads: the kernel buffers fill, then write() returns false.
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => { socket.destroy() })
  let closed = false
  socket.on('close', () => { closed = true })
  socket.on('error', () => {})
  socket.write('GET /mcp/events/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n')
  await waitFor('slow client registered', () => app.channels.clientCount === 2)

  const big = 'x'.repeat(100_000)
  for (let i = 0; i < 400 && app.channels.slowClientsClosed === 0; i++) {
    await app.bus.publish({ clientId: 'slow', event: progressEvent({ message: big }) })
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.equal(app.channels.slowClientsClosed, 1, 'the slow stream was dropped')
  t.equal(app.channels.clientCount, 1, 'only the healthy client remains')
  const event = progressEvent()
  await app.bus.publish({ clientId: null, event })
  await waitFor('healthy client still served', () => healthy.text().includes(event.requestId))
  socket.resume() // drain what the kernel held: the connection then turns out closed by the server
  await waitFor('slow socket closed', () => closed)
})

t.test('app.close() ends open streams gracefully instead of waiting on them', async (t) => {
  // forceCloseConnections 'idle' (Fastify's default): server.close() waits for busy connections, so only the
  // plugin's preClose hook can end the streams.
  const { app, port } = await buildSseApp(t, { forceCloseConnections: 'idle' })
  const clients = ['x', 'y'].map((id) => {
    const socket = connect(port, '127.0.0.1')
    t.teardown(() => { socket.destroy() })
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { text += chunk })
    socket.write(`GET /mcp/events/${id} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`)
    return { text: () => text, closed: new Promise((resolve) => socket.once('close', resolve)) }
  })
  await waitFor('connected', () => app.channels.clientCount === 2)
  await app.close()
  await Promise.all(clients.map(async (client) => await client.closed))
  for (const client of clients) t.ok(client.text().endsWith('\r\n0\r\n\r\n'), 'chunked stream properly terminated')
  t.equal(app.channels.clientCount, 0)
})

t.test('routes/events.ts registers @fastify/sse itself when the app has not', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t, { sse: 'route' })
  const client = await openStream(t, eventsUrl('self-registered'))
  await waitFor('connected', () => client.events().length > 0)
  await app.bus.publish({ clientId: 'self-registered', event: progressEvent() })
  await waitFor('chart_progress', () => client.events().some((e) => e.event === 'chart_progress'))
  t.equal(client.headers.get('x-accel-buffering'), 'no')
})
