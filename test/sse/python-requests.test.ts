import t from 'tap'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { buildSseApp, progressEvent } from '../support/sse-app.js'
import { waitFor } from './wait.js'
import { SEED_000_PYTHON_CLIENT } from '../support/seed000-python-client.js'

t.test('Python requests with iter_lines() reads connected and chart_progress', async (t) => {
  const { app, eventsUrl } = await buildSseApp(t)
  const dir = t.testdir()
  const script = join(dir, 'sse_client.py')
  writeFileSync(script, SEED_000_PYTHON_CLIENT)
  const python = spawn('/usr/bin/python3', [script, eventsUrl('python-client'), 'with-status'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  python.stderr.on('data', (chunk) => { stderr += String(chunk) })
  const exited = new Promise((resolve) => python.once('exit', resolve))
  t.teardown(async () => {
    python.kill()
    await exited
  })
  const lines: Array<Record<string, unknown>> = []
  createInterface({ input: python.stdout }).on('line', (line) => lines.push(JSON.parse(line)))

  await waitFor(`connected (python stderr: ${stderr})`, () => lines.some((l) => l.type === 'connected'))
  t.match(lines[0], { status: 200, content_type: 'text/event-stream' })
  t.match(lines[1], { type: 'connected', clientId: 'python-client' })

  const event = progressEvent({ message: 'Chart generation started for NASDAQ:AAPL' })
  await app.bus.publish({ clientId: 'python-client', event })
  const received = await waitFor('chart_progress in python', () => lines.find((l) => l.requestId === event.requestId))
  t.same(received, event)
})
