import t from 'tap'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { enforceToolProtocolErrors } from '../../src/mcp/protocol-errors.js'
import { spreadToolCallsOverTurns } from '../../src/mcp/tool-call-turns.js'
import { TurnQueue } from '../../src/scheduling/turn-queue.js'
import { connectInMemory } from '../support/in-memory-mcp.js'

/** Counts event-loop iterations: one setImmediate per check phase. */
function loopCounter (t: { teardown: (fn: () => void) => void }): () => number {
  let turn = 0
  let immediate = setImmediate(function tick () { turn++; immediate = setImmediate(tick) })
  t.teardown(() => { clearImmediate(immediate) })
  return () => turn
}

function busyFor (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) { /* synchronous work, like parsing and recording a chart request */ }
}

interface Started { tool: string, turn: number, at: number }

async function connect (t: { teardown: (fn: () => Promise<void>) => void }, turnOf: () => number, started: Started[]): Promise<Client> {
  const server = new McpServer({ name: 'test', version: '1.0.0' })
  const input = z.object({ n: z.number().int().min(0).max(1000) }).strict()
  for (const tool of ['heavy', 'light']) {
    server.registerTool(tool, { inputSchema: input }, async ({ n }) => {
      started.push({ tool, turn: turnOf(), at: started.length })
      if (tool === 'heavy') busyFor(2)
      return { content: [{ type: 'text', text: String(n) }] }
    })
  }
  enforceToolProtocolErrors(server)
  spreadToolCallsOverTurns(server, new TurnQueue(), ['heavy'])
  return await connectInMemory(t, server)
}

t.test('a burst of heavy tool calls starts one per event-loop turn, and a due timer runs between them', async (t) => {
  const turnOf = loopCounter(t)
  const started: Started[] = []
  const client = await connect(t, turnOf, started)
  let timerFiredAfter = -1
  setTimeout(() => { timerFiredAfter = started.length }, 0)
  const results = await Promise.all(Array.from({ length: 20 }, async (_, n) => await client.callTool({ name: 'heavy', arguments: { n } })))
  t.same(results.map((r) => (r.content as Array<{ text: string }>)[0].text), Array.from({ length: 20 }, (_, n) => String(n)), 'every call answered, in order')
  const turns = started.map((s) => s.turn)
  t.equal(new Set(turns).size, 20, `20 calls in 20 distinct loop turns (${turns.join(',')})`)
  t.ok(turns.every((turn, i) => i === 0 || turn > turns[i - 1]), 'in arrival order')
  // Each call busies the thread for 2 ms, so the 1 ms timer is due after the first at the latest; it must not wait
  // for all 20. (It may also run before the first call starts: on Node 24, or a busy machine, the calls' set-up
  // takes longer than 1 ms. What is asserted is the bound, not a timing.)
  t.ok(timerFiredAfter >= 0 && timerFiredAfter <= 2, `the timer ran after call ${timerFiredAfter}, not after the whole burst`)
})

t.test('cheap tools are not spread: a burst of them starts in one turn', async (t) => {
  const turnOf = loopCounter(t)
  const started: Started[] = []
  const client = await connect(t, turnOf, started)
  await Promise.all(Array.from({ length: 10 }, async (_, n) => await client.callTool({ name: 'light', arguments: { n } })))
  t.equal(new Set(started.map((s) => s.turn)).size, 1, 'all ten in the same turn')
})

t.test('protocol errors still come first for a spread tool', async (t) => {
  const client = await connect(t, loopCounter(t), [])
  const error = await client.callTool({ name: 'heavy', arguments: { n: -1 } }).catch((e: unknown) => e)
  t.ok(error instanceof McpError)
  t.equal((error as McpError).code, ErrorCode.InvalidParams)
})

t.test('needs the tools registered first', async (t) => {
  t.throws(() => { spreadToolCallsOverTurns(new McpServer({ name: 'x', version: '1' }), new TurnQueue(), ['heavy']) }, /register the tools first/)
})
