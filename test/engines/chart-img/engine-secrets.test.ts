import t from 'tap'
import { chartRequest, rejectionOf, renderContext, setup } from './harness.js'

t.test('the API key never appears in logs, messages or stages — even when upstream echoes it', async (t) => {
  // The timeout only ends the scripted hang; long enough that a real answer on a busy machine never hits it.
  const { fake, engine, logs } = await setup(t, { engine: { maxAttempts: 2, timeoutMs: 3000 } })
  const messages: string[] = []
  const context = renderContext()
  const run = async (script: Parameters<typeof fake.script>): Promise<void> => {
    fake.script(...script)
    const e = await rejectionOf(engine.render(chartRequest(), context))
    messages.push(e.message)
  }
  await run([{ kind: 'status', status: 403, message: `Invalid API Key ${fake.apiKey}` }])
  await run([{ kind: 'status', status: 400, message: `bad key=${fake.apiKey}` }])
  await run([{ kind: 'status', status: 429, message: fake.apiKey }, { kind: 'status', status: 429, message: fake.apiKey }])
  await run([{ kind: 'reset' }, { kind: 'status', status: 500, message: `boom ${fake.apiKey}` }])
  await run([{ kind: 'hang' }])
  await engine.render(chartRequest(), context)
  await engine.listSymbols({ exchange: 'NASDAQ' })

  t.ok(logs.length > 5, `logs were captured (${logs.length} lines)`)
  t.ok(logs.some((line) => line.includes('"level":20')), 'debug lines included')
  const everything = [...logs, ...messages, ...context.stages.map((s) => s.message)].join('\n')
  t.notOk(everything.includes(fake.apiKey), 'key absent')
  t.match(messages[0], /\[redacted\]/, 'echoed key replaced')
  t.ok(fake.requests.every((r) => r.key === 'valid'), 'but every request carried it')
})
