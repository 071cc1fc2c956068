import t from 'tap'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { startNginx } from '../support/nginx-server.js'
import { openStream } from './stream-client.js'
import { waitFor } from './wait.js'

t.test('through nginx (gzip on, docker/nginx-sse-location.conf): events arrive while the stream is open', async (t) => {
  const { app, port } = await buildSseApp(t, { config: { HEARTBEAT_MS: 3_600_000, KEEPALIVE_MS: 300_000 } })
  const nginx = await startNginx(t, t.testdir(), port)
  // fetch sends Accept-Encoding: gzip and inflates as data comes, like a browser.
  const client = await openStream(t, `${nginx.origin}/mcp/events/behind-nginx`)
  t.equal(client.status, 200)
  t.equal(client.headers.get('content-type'), 'text/event-stream')
  t.equal(client.headers.get('content-encoding'), 'gzip', 'nginx compresses the stream (worst case for buffering)')
  await waitFor('connected through nginx', () => client.events().some((e) => e.event === 'connected'))

  for (const status of ['started', 'completed'] as const) {
    const event = progressEvent({}, { status })
    await app.bus.publish({ clientId: 'behind-nginx', event })
    // Heartbeat and keep-alive are an hour away and the stream never ends here: the event can only arrive if nginx
    // passes it on unbuffered (and its gzip filter flushes per event).
    const received = await waitFor(`${status} event through nginx`, () => client.events().find((e) => e.data?.includes(event.requestId)))
    t.equal(received.event, 'chart_progress')
    t.same(JSON.parse(received.data ?? ''), event)
    t.equal(client.isEnded(), false, 'stream still open')
  }
})
