/**
 * A querystring JSON Schema made from a tool's input schema (the tool registry's JSON Schema of its zod schema), so a
 * GET route takes the tool's scalar arguments as query parameters under the same rules: the same names, types,
 * enums, bounds and defaults. Arguments a query string cannot carry (objects, arrays) and those the route decides
 * itself (`omit`) are left out; a union keeps its scalar branches (generate_chart's `range`: a preset name, or an
 * object that is left out).
 */
type JsonSchema = Record<string, unknown>

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean'])

function isScalar (schema: JsonSchema): boolean {
  return typeof schema.type === 'string' && SCALAR_TYPES.has(schema.type)
}

/** The schema's scalar part, or null when it has none. */
function scalarPart (schema: JsonSchema): JsonSchema | null {
  if (isScalar(schema)) return schema
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as JsonSchema[]).filter(isScalar)
    if (branches.length === 0) return null
    const { anyOf: _all, ...rest } = schema
    return branches.length === 1 ? { ...rest, ...branches[0] } : { ...rest, anyOf: branches }
  }
  return null
}

export function queryStringSchema (inputSchema: JsonSchema, omit: readonly string[] = []): JsonSchema {
  const properties: Record<string, JsonSchema> = {}
  for (const [name, schema] of Object.entries((inputSchema.properties ?? {}) as Record<string, JsonSchema>)) {
    if (omit.includes(name)) continue
    const scalar = scalarPart(schema)
    if (scalar !== null) properties[name] = scalar
  }
  const required = Array.isArray(inputSchema.required) ? (inputSchema.required as string[]).filter((name) => name in properties) : []
  return { type: 'object', properties, required, additionalProperties: false }
}
