/** src/http/query-schema.ts: a tool's input schema as a querystring schema (scalars only, unions cut to scalars). */
import t from 'tap'
import { z } from 'zod'
import { queryStringSchema } from '../../src/http/query-schema.js'

const input = z.toJSONSchema(z.object({
  symbol: z.string().regex(/^[A-Z]+:[A-Z]+$/),
  width: z.number().int().min(320).default(800),
  dark: z.boolean().optional(),
  range: z.union([z.enum(['1M', '1Y']), z.object({ from: z.string(), to: z.string() })]).optional(),
  studies: z.array(z.string()).default([]),
  format: z.enum(['png', 'jpeg']).default('png')
}), { target: 'draft-7', io: 'input' }) as Record<string, unknown>

t.test('keeps scalar arguments with their rules, drops arrays, objects and omitted names', async (t) => {
  const schema = queryStringSchema(input, ['format'])
  t.same(Object.keys(schema.properties as object).sort(), ['dark', 'range', 'symbol', 'width'])
  t.match(schema.properties, {
    symbol: { type: 'string', pattern: '^[A-Z]+:[A-Z]+$' },
    width: { type: 'integer', minimum: 320, default: 800 },
    dark: { type: 'boolean' },
    range: { type: 'string', enum: ['1M', '1Y'] }
  })
  t.same(schema.required, ['symbol'])
  t.equal(schema.additionalProperties, false)
})
