/**
 * The OpenAPI document at /docs/json (plugins/external/openapi.ts): a valid OpenAPI 3.1 document (checked against
 * the OpenAPI Initiative's JSON Schemas by @seriousme/openapi-schema-validator) that lists every route the app
 * registers — taken from the router's own onRoute hook, not from a list kept beside it — with a summary, and each
 * tool's request body as the tool registry describes it. /docs is the browsable page; /api points to both.
 */
import t from 'tap'
import Fastify, { type RouteOptions } from 'fastify'
import { Validator } from '@seriousme/openapi-schema-validator'
import app, { serverOptions } from '../src/app.js'
import { testConfig } from '../src/config.js'
import { NOT_CALLABLE, PAGE_ASSET } from '../plugins/external/openapi.js'
import { startApp } from './support/app.js'

/** Fastify's `/charts/:file` and `/charts/*` as OpenAPI writes them. */
function openApiPath (url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}')
}

t.test('/docs/json is a valid OpenAPI 3.1 document of every route the app registers, with the tools\' request bodies', async (t) => {
  const config = testConfig({ DATA_DIR: t.testdir(), RENDER_WORKERS: 1, PORT: 0 })
  const fastify = Fastify({ ...serverOptions(config), logger: false })
  const registered: RouteOptions[] = []
  fastify.addHook('onRoute', (route) => { registered.push(route) })
  await fastify.register(app, { config })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await fastify.close() })
  const address = fastify.server.address()
  if (address === null || typeof address !== 'object') throw new Error('no address')
  const url = `http://127.0.0.1:${address.port}`

  const response = await fetch(`${url}/docs/json`)
  t.equal(response.status, 200)
  const document = await response.json() as { openapi: string, info: { title: string }, paths: Record<string, Record<string, { summary?: string, requestBody?: { content: Record<string, { schema: unknown }> } }>> }
  const validation = await new Validator().validate(document)
  t.ok(validation.valid, `valid OpenAPI: ${JSON.stringify(validation.errors ?? []).slice(0, 2000)}`)
  t.equal(document.openapi, '3.1.0')
  t.equal(document.info.title, 'chart-img-mcp')

  let checked = 0
  for (const route of registered) {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (NOT_CALLABLE.has(method) || PAGE_ASSET.test(route.url) || route.url.startsWith('/docs')) continue
      const operation = document.paths[openApiPath(route.url)]?.[method.toLowerCase()]
      t.ok(operation !== undefined, `${method} ${route.url} is in the document`)
      t.ok((operation?.summary ?? '').length > 10, `${method} ${route.url} says what it does`)
      checked++
    }
  }
  t.ok(checked >= 15, `${checked} routes checked`)
  for (const expected of ['/mcp', '/sse', '/sse/{streamId}/messages', '/mcp/tools/{toolName}', '/', '/sse-demo.html']) {
    t.ok(document.paths[expected] !== undefined, `${expected} is listed`)
  }

  // The app's decorators stay inside its (unwrapped) plugin here; the tools come from the REST listing instead.
  const { tools } = await (await fetch(`${url}/mcp/tools`)).json() as { tools: Array<{ name: string, inputSchema: Record<string, unknown> }> }
  t.ok(tools.length >= 5)
  for (const tool of tools) {
    const operation = document.paths[`/mcp/tools/${tool.name}`]?.post
    t.ok(operation !== undefined, `POST /mcp/tools/${tool.name} has its own entry`)
    const { $schema: _dialect, ...inputSchema } = tool.inputSchema
    t.same(operation?.requestBody?.content['application/json'].schema, inputSchema, `${tool.name}'s body is its input schema`)
  }
  const chartBody = document.paths['/mcp/tools/generate_chart'].post.requestBody?.content['application/json'].schema as { properties: Record<string, unknown>, required?: string[] }
  t.ok('symbol' in chartBody.properties && 'interval' in chartBody.properties, 'generate_chart documents symbol and interval')
})

t.test('/docs is a browsable page of the document; /api points to both', async (t) => {
  const { url } = await startApp(t)
  const page = await fetch(`${url}/docs`, { redirect: 'follow' })
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  t.match(await page.text(), /swagger-ui/i)
  const yaml = await fetch(`${url}/docs/yaml`)
  t.equal(yaml.status, 200)
  t.match(await yaml.text(), /openapi: 3\.1\.0/)
  const pointer = await (await fetch(`${url}/api`)).json() as { docs: string, openapi: string }
  t.same({ docs: pointer.docs, openapi: pointer.openapi }, { docs: '/docs', openapi: '/docs/json' })
})
