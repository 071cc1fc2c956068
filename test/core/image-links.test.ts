/**
 * Which URL a stored chart is named by (issue 12): with no HTTP server listening (stdio) and no PUBLIC_BASE_URL, the
 * file:// URL of the stored image, never http://HOST:PORT of a server that is not running; PUBLIC_BASE_URL when set;
 * the listening address once the HTTP server has one.
 */
import t, { type Test } from 'tap'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig, testConfig, type Config } from '../../src/config.js'
import { createCore } from '../../src/core.js'
import { generateChartInput, normalizeChartRequest } from '../../src/chart/request.js'
import { createMemoryBus } from '../../src/events/memory-bus.js'
import { silentLogger } from '../support/logger.js'

async function chartUrl (t: Test, overrides: Partial<Config>, baseUrl?: string): Promise<{ url: string | null, dataDir: string }> {
  const dataDir = t.testdir()
  const config = testConfig({ RENDER_WORKERS: 1, DATA_DIR: dataDir, ...overrides })
  const core = createCore({ config, bus: createMemoryBus({ log: silentLogger }), log: silentLogger })
  t.teardown(async () => { await core.close() })
  if (baseUrl !== undefined) core.setBaseUrl(baseUrl)
  const outcome = await core.charts.generate(normalizeChartRequest(generateChartInput.parse({ symbol: 'SP:SPX', interval: '1W', width: 640, height: 400 }), { storage: false }), { clientId: null, owner: null })
  if (!outcome.ok) throw new Error(outcome.message)
  t.equal(core.charts.imageUrl(outcome.record), outcome.imageUrl, 'status and recent name the image the same way')
  return { url: outcome.imageUrl, dataDir }
}

t.test('no server listening, no PUBLIC_BASE_URL: the stored file, by file:// URL', async (t) => {
  const { url, dataDir } = await chartUrl(t, {})
  t.match(url, /^file:\/\//)
  const path = fileURLToPath(url ?? '')
  t.equal(path.startsWith(join(dataDir, 'charts')), true, path)
  t.ok(statSync(path).size > 0, 'the file it names exists')
})

t.test('PUBLIC_BASE_URL set: its link (even with no server listening here)', async (t) => {
  // As the environment gives it, with a trailing slash: the config stores it without (one slash in the link).
  const { url } = await chartUrl(t, { PUBLIC_BASE_URL: loadConfig({ PUBLIC_BASE_URL: 'https://charts.example.com/' }).PUBLIC_BASE_URL })
  t.match(url, /^https:\/\/charts\.example\.com\/charts\/req_\d+_[0-9a-f]+\.png$/)
})

t.test('listening: the server\'s address', async (t) => {
  const { url } = await chartUrl(t, {}, 'http://127.0.0.1:4321')
  t.match(url, /^http:\/\/127\.0\.0\.1:4321\/charts\/req_\d+_[0-9a-f]+\.png$/)
})
