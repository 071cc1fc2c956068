import t from 'tap'
import { z } from 'zod'
import { ToolCallError, ToolCancelledError, ToolDeadlineError, ToolRegistry, defineTool, type ToolContext, type ToolDefinition, type ToolResult } from '../../src/tools/index.js'
import { captureLogger, silentLogger } from '../support/logger.js'

function context (overrides: Partial<ToolContext> = {}): ToolContext {
  return { signal: new AbortController().signal, caller: { principal: null, clientId: null }, progress: () => {}, log: silentLogger, ...overrides }
}

const echo = defineTool({
  name: 'echo',
  title: 'Echo',
  description: 'Says it back',
  inputSchema: z.object({ say: z.string().max(5), times: z.number().int().default(1) }).strict(),
  annotations: { readOnlyHint: true },
  async run ({ say, times }) {
    return { content: [{ type: 'text', text: say.repeat(times) }] }
  }
})

/** The echo tool with another body. */
function withRun (run: (args: { say: string, times: number }, ctx: ToolContext) => Promise<ToolResult>): ToolDefinition {
  return defineTool({ ...echo, run } as unknown as ToolDefinition<z.ZodObject>)
}

t.test('a duplicate name is refused at boot', async (t) => {
  t.throws(() => new ToolRegistry([echo, echo]), /Two tools are named echo/)
})

t.test('list, get and describe: registration order, JSON Schema of the input side, built once', async (t) => {
  const other = { ...echo, name: 'other' }
  const registry = new ToolRegistry([other, echo])
  t.same(registry.list().map((tool) => tool.name), ['other', 'echo'])
  t.equal(registry.get('echo'), echo)
  t.equal(registry.get('nope'), undefined)
  const [, described] = registry.describe()
  t.match(described, {
    name: 'echo',
    title: 'Echo',
    description: 'Says it back',
    annotations: { readOnlyHint: true },
    inputSchema: { type: 'object', required: ['say'], additionalProperties: false, properties: { say: { type: 'string', maxLength: 5 }, times: { type: 'integer', default: 1 } } }
  })
  t.equal(registry.describe(), registry.describe(), 'the same object every time')
  t.ok(Object.isFrozen(described.inputSchema), 'shared read-only')
})

t.test('arguments are validated once, with defaults applied; refusals are ToolCallError -32602', async (t) => {
  let parsedArgs: unknown
  let runs = 0
  const spy = withRun(async (args) => { runs++; parsedArgs = args; return { content: [] } })
  const registry = new ToolRegistry([spy])
  await registry.call('echo', { say: 'hi' }, context())
  t.same(parsedArgs, { say: 'hi', times: 1 })
  await registry.call('echo', undefined, context()).catch(() => {})
  for (const [name, args, reason, message] of [
    ['draw', {}, 'unknown_tool', /^Unknown tool: draw\. Available tools: echo$/],
    ['echo', { say: 'too long' }, 'invalid_arguments', /^Invalid arguments for tool echo: say: Too big/],
    ['echo', { say: 'a', extra: 1 }, 'invalid_arguments', /extra/],
    ['echo', [1, 2], 'invalid_arguments', /object/],
    ['echo', null, 'invalid_arguments', /say/]
  ] as const) {
    const error = await registry.call(name, args, context()).catch((e: unknown) => e)
    t.type(error, ToolCallError, `${name} ${JSON.stringify(args)}`)
    t.match(error, { code: -32602, reason, message })
  }
  t.equal(runs, 1, 'only the valid call ran')
})

t.test('a tool that throws answers with a generic isError result; the detail goes to the log only', async (t) => {
  const { log, lines } = captureLogger()
  const broken = withRun(async () => { throw new Error('secret detail') })
  const result = await new ToolRegistry([broken]).call('echo', { say: 'x' }, context({ log }))
  t.equal(result.isError, true)
  t.notMatch(JSON.stringify(result), /secret/)
  t.match(lines().join('\n'), /secret detail/)
})

t.test('the caller going away aborts the tool and rejects the call at once', async (t) => {
  let toolSignal: AbortSignal | undefined
  let started: () => void = () => {}
  const running = new Promise<void>((resolve) => { started = resolve })
  const slow = withRun(async (_args, ctx) => { toolSignal = ctx.signal; started(); return await new Promise(() => {}) })
  const controller = new AbortController()
  const call = new ToolRegistry([slow]).call('echo', { say: 'x' }, context({ signal: controller.signal }))
  await running
  controller.abort()
  await t.rejects(call, ToolCancelledError)
  t.equal(toolSignal?.aborted, true, 'the tool sees its signal aborted')
  const already = await new ToolRegistry([slow]).call('echo', { say: 'x' }, context({ signal: AbortSignal.abort() })).catch((e: unknown) => e)
  t.type(already, ToolCancelledError, 'an already-aborted caller is not run')
})

t.test('past the deadline the tool is aborted and the caller answered', async (t) => {
  // A tool that never ends, and a short real deadline: the test waits for the rejection itself (a positive signal).
  // The deadline timer is unref'd (it must never keep a process alive), so this test holds the loop open itself.
  const keepAlive = setInterval(() => {}, 1000)
  t.teardown(() => { clearInterval(keepAlive) })
  let toolSignal: AbortSignal | undefined
  const stuck = withRun(async (_args, ctx) => { toolSignal = ctx.signal; return await new Promise(() => {}) })
  const error = await new ToolRegistry([stuck], { deadlineMs: 20 }).call('echo', { say: 'x' }, context()).catch((e: unknown) => e)
  t.type(error, ToolDeadlineError)
  t.match(error, { toolName: 'echo', deadlineMs: 20, message: /echo did not finish within 0 s/ })
  t.equal(toolSignal?.aborted, true)
  t.type(toolSignal?.reason, ToolDeadlineError)
})

t.test('what ctx.elicit throws reaches the caller unchanged (an MRTR adapter\'s "input required" signal)', async (t) => {
  class InputRequired extends Error {}
  const signal = new InputRequired('input required')
  const asking = withRun(async (_args, ctx) => {
    await ctx.elicit?.({ message: 'Which?', requestedSchema: { type: 'object', properties: {} } })
    return { content: [] }
  })
  const error = await new ToolRegistry([asking]).call('echo', { say: 'x' }, context({ elicit: async () => { throw signal } })).catch((e: unknown) => e)
  t.equal(error, signal)
  const answered = await new ToolRegistry([asking]).call('echo', { say: 'x' }, context({ elicit: async () => ({ action: 'accept', content: {} }) }))
  t.same(answered, { content: [] }, 'an answered elicitation lets the tool finish')
})
