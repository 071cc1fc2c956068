/**
 * The three attacks of the security issue, replayed as an attacker would. Each failed on the code before it
 * (channel takeover and replay: 200 + the victim's buffer; broadcast: every listener got every anonymous call's
 * events and the image was served without a token; /mcp/events, /sse and /charts skipped the Host/Origin check).
 */
import t from 'tap'
import { startApp } from '../support/app.js'
import { progressEvent } from '../support/sse-app.js'
import { openStream } from '../sse/stream-client.js'
import { waitFor } from '../sse/wait.js'
import { ALICE_TOKEN, BOB_TOKEN, bearer, send, startIssuer, startSecureApp } from './support.js'

const eventsOf = (stream: { events: () => Array<{ event?: string, data?: string, id?: string }> }, name: string): Array<{ event?: string, data?: string, id?: string }> =>
  stream.events().filter((e) => e.event === name)

t.test('attack 1, open mode: a second connection cannot take over a live channel, and Last-Event-ID <epoch>-0 replays nothing', async (t) => {
  const { app, url } = await startApp(t)
  const victim = await openStream(t, `${url}/mcp/events/victim-channel`)
  await waitFor('victim connected', () => eventsOf(victim, 'connected').length === 1)
  const secret = progressEvent({ message: 'victim secret 1' })
  await app.bus.publish({ clientId: 'victim-channel', event: secret })
  await waitFor('victim got its event', () => victim.text().includes('victim secret 1'))

  // The attacker learns the epoch from its own stream's ids.
  const own = await openStream(t, `${url}/mcp/events/attacker-channel`)
  await waitFor('attacker connected', () => eventsOf(own, 'connected').length === 1)
  const epoch = String(eventsOf(own, 'connected')[0].id).split('-')[0]

  const attempts: Array<Record<string, string>> = [{}, { 'last-event-id': `${epoch}-0` }, { 'last-event-id': String(eventsOf(own, 'connected')[0].id) }]
  for (const headers of attempts) {
    const takeover = await fetch(`${url}/mcp/events/victim-channel`, { headers: { accept: 'text/event-stream', ...headers } })
    t.equal(takeover.status, 409, `takeover refused (${JSON.stringify(headers)})`)
    t.match(await takeover.json(), { code: 'SSE_CHANNEL_IN_USE' })
  }
  await app.bus.publish({ clientId: 'victim-channel', event: progressEvent({ message: 'victim secret 2' }) })
  await waitFor('the victim still receives', () => victim.text().includes('victim secret 2'))
  t.equal(victim.isEnded(), false, 'the victim stream was never evicted')

  // Victim away (channel remembered): the attacker may open the id (a capability), but replays none of its past.
  const lastSeen = String(victim.events().at(-1)?.id)
  victim.abort()
  await waitFor('victim gone', () => !app.channels.isLive('victim-channel'))
  const replay = await openStream(t, `${url}/mcp/events/victim-channel`, { 'last-event-id': `${epoch}-0` })
  t.equal(replay.status, 200)
  const missed = await waitFor('events_missed', () => eventsOf(replay, 'events_missed')[0])
  t.match(JSON.parse(String(missed.data)), { reason: 'unknown', replayed: 0 })
  t.notOk(replay.text().includes('victim secret'), 'nothing of the victim replayed')
  replay.abort()
  await waitFor('replayer gone', () => !app.channels.isLive('victim-channel'))

  // The real owner resumes with an id it was sent and gets what happened while it was away.
  await app.bus.publish({ clientId: 'victim-channel', event: progressEvent({ message: 'victim secret 3' }) })
  const back = await openStream(t, `${url}/mcp/events/victim-channel`, { 'last-event-id': lastSeen })
  await waitFor('the owner gets its missed event', () => back.text().includes('victim secret 3'))
  t.notOk(back.text().includes('victim secret 2'), 'only what came after its Last-Event-ID')
})

t.test('attack 1, with tokens: another principal gets 404 on a live or remembered channel; no token gets 401', async (t) => {
  const issuer = await startIssuer(t)
  const { app, url } = await startSecureApp(t, issuer)
  const victim = await openStream(t, `${url}/mcp/events/alice-channel`, bearer(ALICE_TOKEN))
  await waitFor('alice connected', () => eventsOf(victim, 'connected').length === 1)
  const epoch = String(eventsOf(victim, 'connected')[0].id).split('-')[0]
  await app.bus.publish({ clientId: 'alice-channel', owner: 'alice', event: progressEvent({ message: 'alice secret' }) })
  await waitFor('alice got it', () => victim.text().includes('alice secret'))

  t.equal((await fetch(`${url}/mcp/events/alice-channel`, { headers: { accept: 'text/event-stream', 'last-event-id': `${epoch}-0` } })).status, 401)
  const bob = await fetch(`${url}/mcp/events/alice-channel`, { headers: { accept: 'text/event-stream', 'last-event-id': `${epoch}-0`, ...bearer(BOB_TOKEN) } })
  t.equal(bob.status, 404)
  t.equal(victim.isEnded(), false, 'alice keeps her stream')
  victim.abort()
  await waitFor('alice gone', () => !app.channels.isLive('alice-channel'))
  t.equal((await fetch(`${url}/mcp/events/alice-channel`, { headers: { accept: 'text/event-stream', ...bearer(BOB_TOKEN) } })).status, 404, 'still 404 while remembered')
  // Bob's events never reach alice's channel, even when he names it.
  await app.bus.publish({ clientId: 'alice-channel', owner: 'bob', event: progressEvent({ message: 'from bob' }) })
  await app.bus.publish({ clientId: 'alice-channel', owner: 'alice', event: progressEvent({ message: 'alice again' }) })
  const back = await openStream(t, `${url}/mcp/events/alice-channel`, { 'last-event-id': String(victim.events().at(-1)?.id), ...bearer(ALICE_TOKEN) })
  await waitFor('alice resumes', () => back.text().includes('alice again'))
  t.notOk(back.text().includes('from bob'))
})

t.test('attack 2: a call without a target channel reaches only its own principal; the image needs its owner', async (t) => {
  const issuer = await startIssuer(t)
  const { app, url } = await startSecureApp(t, issuer)
  const aliceStream = await openStream(t, `${url}/mcp/events/alice-listens`, bearer(ALICE_TOKEN))
  const bobStream = await openStream(t, `${url}/mcp/events/bob-listens`, bearer(BOB_TOKEN))
  await waitFor('both connected', () => eventsOf(aliceStream, 'connected').length === 1 && eventsOf(bobStream, 'connected').length === 1)

  // A REST call (no X-Client-Id): its events are a broadcast — to alice's channels only.
  const made = await fetch(`${url}/mcp/tools/generate_chart`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(ALICE_TOKEN) }, body: JSON.stringify({ symbol: 'SP:SPX', width: 400, height: 300 }) })
  t.equal(made.status, 200)
  const imageUrl = /Image URL: (\S+)/.exec((await made.json() as { content: Array<{ text: string }> }).content[0].text)?.[1] ?? ''
  const requestId = /(req_\d+_[0-9a-f]+)/.exec(imageUrl)?.[1] ?? ''
  await waitFor('alice hears her chart complete', () => aliceStream.text().includes(imageUrl))
  // Positive signal for bob's stream: a later event of his own; streams are ordered, so alice's would be before it.
  await app.bus.publish({ clientId: null, owner: 'bob', event: progressEvent({ message: 'bob marker' }) })
  await waitFor('bob hears his own broadcast', () => bobStream.text().includes('bob marker'))
  t.notOk(bobStream.text().includes(requestId), 'bob heard nothing of alice\'s chart')
  t.notOk(aliceStream.text().includes('bob marker'), 'nor alice of bob\'s')

  t.equal((await fetch(imageUrl)).status, 401, 'the image without a token')
  t.equal((await fetch(imageUrl, { headers: bearer(BOB_TOKEN) })).status, 404, 'the image for another principal')
  const image = await fetch(imageUrl, { headers: bearer(ALICE_TOKEN) })
  t.equal(image.status, 200)
  t.equal(image.headers.get('content-type'), 'image/png')
  t.match(image.headers.get('cache-control'), /private/)

  const status = async (token: string): Promise<string> => {
    const response = await fetch(`${url}/mcp/tools/get_chart_status`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(token) }, body: JSON.stringify({ requestId }) })
    return (await response.json() as { content: Array<{ text: string }> }).content[0].text
  }
  t.match(await status(BOB_TOKEN), /^No chart request/, 'bob cannot see the row')
  t.match(await status(ALICE_TOKEN), new RegExp(`"requestId": ?"${requestId}"`))
  const recent = await fetch(`${url}/mcp/tools/get_recent_requests`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(BOB_TOKEN) }, body: '{}' })
  t.match(JSON.parse((await recent.json() as { content: Array<{ text: string }> }).content[0].text), { count: 0 }, 'bob\'s history is empty')
})

t.test('attack 2, open mode: broadcast to all is kept (one principal), and the image is served without a token', async (t) => {
  const { url } = await startApp(t)
  const listener = await openStream(t, `${url}/mcp/events/anyone`)
  await waitFor('connected', () => eventsOf(listener, 'connected').length === 1)
  const made = await fetch(`${url}/mcp/tools/generate_chart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'SP:SPX', width: 400, height: 300 }) })
  const imageUrl = /Image URL: (\S+)/.exec((await made.json() as { content: Array<{ text: string }> }).content[0].text)?.[1] ?? ''
  await waitFor('the listener hears it', () => listener.text().includes(imageUrl))
  t.equal((await fetch(imageUrl)).status, 200)
})

t.test('attack 3: a forged Host or Origin is refused on /mcp/events, /sse and /charts (open mode and with tokens)', async (t) => {
  const issuer = await startIssuer(t)
  for (const { url, headers } of [{ url: (await startApp(t)).url, headers: {} }, { url: (await startSecureApp(t, issuer)).url, headers: bearer(ALICE_TOKEN) }]) {
    for (const path of ['/mcp/events/some-channel', '/sse', '/charts/req_1_abcdef01.png', '/', '/api']) {
      const forgeries: Array<Record<string, string>> = [{ host: 'evil.example' }, { origin: 'http://evil.example' }]
      for (const forged of forgeries) {
        const response = await send(url, path, { headers: { accept: 'text/event-stream', ...headers, ...forged } })
        t.equal(response.status, 403, `${path} ${JSON.stringify(forged)}`)
      }
    }
    t.equal((await send(url, '/health', { headers: { host: 'evil.example' } })).status, 200, 'health stays open for probes')
  }
})
