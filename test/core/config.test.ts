import t from 'tap'
import { ConfigError, configSchema, loadConfig } from '../../src/config.js'
import { readFileSync } from 'node:fs'

t.test('defaults: embedded engine on 127.0.0.1:3001', async (t) => {
  const config = loadConfig({})
  t.equal(config.PORT, 3001)
  t.equal(config.HOST, '127.0.0.1')
  t.equal(config.DATA_DIR, './data')
  t.equal(config.CHART_IMG_API_KEY, undefined)
  t.equal(config.HEARTBEAT_MS, 30_000)
  t.equal(config.MCP_CONFORMANCE_FIXTURES, false)
})

t.test('empty strings count as unset; numbers and flags are parsed', async (t) => {
  const config = loadConfig({ PORT: '8080', CHART_IMG_API_KEY: '', MCP_CONFORMANCE_FIXTURES: '1', ALLOWED_HOSTS: 'a.example, b.example' })
  t.equal(config.PORT, 8080)
  t.equal(config.CHART_IMG_API_KEY, undefined)
  t.equal(config.MCP_CONFORMANCE_FIXTURES, true)
  t.same(config.ALLOWED_HOSTS, ['a.example', 'b.example'])
})

t.test('bad values name the variable and never echo the value', async (t) => {
  const error = (() => {
    try {
      loadConfig({ PORT: 'seventy', HEARTBEAT_MS: '5', AUTH_TOKEN: 'short-secret', CHART_IMG_PLAN: 'GOLD' })
    } catch (e) {
      return e
    }
  })()
  t.ok(error instanceof ConfigError)
  const message = (error as ConfigError).message
  for (const name of ['PORT', 'HEARTBEAT_MS', 'AUTH_TOKEN', 'CHART_IMG_PLAN']) t.match(message, name)
  t.notMatch(message, 'short-secret')
})

t.test('.env.example documents every variable', async (t) => {
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
  for (const name of Object.keys(configSchema.shape)) t.match(example, new RegExp(`^#? ?${name}=`, 'm'), name)
})
