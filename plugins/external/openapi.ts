/**
 * The OpenAPI 3.1 document of every route (@fastify/swagger, which collects routes and their schemas as they are
 * registered; so this plugin must be registered before the routes). Summaries and tags come from src/route-docs.ts.
 * POST /mcp/tools/:toolName takes a different body per tool: the document also lists one path per tool, its request
 * body the tool's own input schema (the tool registry's JSON Schema of its zod schema), so a reader or a code
 * generator sees each tool's arguments. The browsable page and `/docs/json` are served by routes/docs.ts.
 */
import fastifySwagger from '@fastify/swagger'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { routeDoc } from '../../src/route-docs.js'
import { SERVER_INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from '../../src/server-info.js'
import type { ToolRegistry } from '../../src/tools/registry.js'

/** Files the static pages load (scripts, styles, images), and index.html/studio.html (served again at / and /studio). */
export const PAGE_ASSET = /\.(js|css|ico|png|svg|map)$|^\/(index|studio)\.html$/
/** Methods registered only to refuse (405 responders, CORS preflight): nothing a client calls. */
export const NOT_CALLABLE = new Set(['OPTIONS', 'PUT', 'PATCH', 'HEAD'])

const TOOL_CALL_PATH = '/mcp/tools/{toolName}'

export default fp(async function openApiPlugin (fastify: FastifyInstance) {
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: SERVER_NAME, version: SERVER_VERSION, description: SERVER_INSTRUCTIONS }
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      const doc = methods.map((method) => routeDoc(method, url)).find((entry) => entry !== undefined)
      const callable = methods.some((method) => !NOT_CALLABLE.has(method))
      if (doc === undefined && (PAGE_ASSET.test(url) || !callable)) return { schema: { ...schema, hide: true }, url }
      // @fastify/static hides its routes (schemaHide); the pages and the chart images are part of the API all the same.
      return { schema: doc === undefined ? schema : { ...schema, hide: false, summary: doc.summary, tags: [doc.tag] }, url }
    },
    // Built on the first request for the document, when plugins/tool-registry.ts (registered later) has run.
    transformObject: (document) => 'openapiObject' in document ? withToolPaths(document.openapiObject, fastify.tools) : document.swaggerObject
  })
}, { name: 'openapi' })

/** The parts of an OpenAPI operation this plugin reads; the rest is copied as it is. */
interface Operation {
  parameters?: Array<{ name?: string }>
  [keyword: string]: unknown
}

/** Adds `/mcp/tools/<name>` for each tool, copied from the generic operation, with the tool's own request body. */
function withToolPaths<D extends { paths?: object }> (document: D, tools: ToolRegistry): D {
  const paths = { ...document.paths } as Record<string, Record<string, Operation>>
  const generic = paths[TOOL_CALL_PATH]?.post
  if (generic === undefined) return document
  for (const tool of tools.describe()) {
    // A draft-7 `$schema` would contradict the OpenAPI 3.1 dialect the document declares; the keywords are the same.
    const { $schema: _dialect, ...inputSchema } = tool.inputSchema
    paths[`/mcp/tools/${tool.name}`] = {
      post: {
        ...generic,
        operationId: `call_${tool.name}`,
        summary: `${tool.title}: call ${tool.name} with its arguments as the JSON body`,
        description: tool.description,
        tags: ['tools'],
        parameters: (generic.parameters ?? []).filter((parameter) => parameter.name !== 'toolName'),
        requestBody: { required: false, content: { 'application/json': { schema: inputSchema } } }
      }
    }
  }
  return { ...document, paths }
}
