/**
 * Channel ownership in the registry itself (src/sse/registry.ts, channel-binding.ts, channel-access.ts), with an
 * in-memory sink: who hears a broadcast, who a targeted event reaches, what proves receipt, and admissions.
 */
import t from 'tap'
import { ChannelRegistry } from '../../src/sse/registry.js'
import type { FrameSink } from '../../src/sse/frame-sink.js'
import { admitToChannel } from '../../src/sse/channel-access.js'
import { progressEvent } from '../support/sse-app.js'
import { parseSse } from '../sse/sse-text.js'

class MemorySink implements FrameSink {
  text = ''
  ended = false
  write (chunk: Buffer): boolean { this.text += chunk.toString(); return true }
  onceDrain (): void {}
  get writableLength (): number { return 0 }
  end (): void { this.ended = true }
  destroy (): void { this.ended = true }
  ids (): string[] { return parseSse(this.text).events.map((e) => e.id ?? '') }
}

const silent = { debug () {}, info () {}, warn () {} }

function registry (t: { teardown: (fn: () => Promise<void>) => void }, maxClientsPerKey = 10): ChannelRegistry {
  const r = new ChannelRegistry({ log: silent, heartbeatMs: 60_000, keepaliveMs: 60_000, maxClients: 100, maxClientsPerKey, replayEvents: 10, maxQueuedBytes: 1 << 20 })
  t.teardown(async () => { await r.close() })
  return r
}

t.test('broadcasts and targeted events reach only the owner\'s channels', async (t) => {
  const r = registry(t)
  const alice = new MemorySink()
  const bob = new MemorySink()
  const anonymous = new MemorySink()
  r.open('a', alice, null, { owner: 'alice' })
  r.open('b', bob, null, { owner: 'bob' })
  r.open('n', anonymous, null, { owner: null })
  r.deliver({ clientId: null, owner: 'alice', event: progressEvent({ message: 'alice-broadcast' }) })
  r.deliver({ clientId: 'a', owner: 'bob', event: progressEvent({ message: 'bob-into-alice' }) })
  r.deliver({ clientId: null, event: progressEvent({ message: 'open-mode-broadcast' }) })
  t.match(alice.text, 'alice-broadcast')
  t.notMatch(alice.text, 'bob-into-alice', 'naming another principal\'s channel delivers nothing')
  t.notMatch(bob.text, 'alice-broadcast')
  t.notMatch(alice.text, 'open-mode-broadcast', 'an ownerless broadcast stays with ownerless channels')
  t.match(anonymous.text, 'open-mode-broadcast')
})

t.test('proof of receipt: an id sent on that channel, not one from another stream or <epoch>-0', async (t) => {
  const r = registry(t)
  const victim = new MemorySink()
  const other = new MemorySink()
  r.open('v', victim, null)
  r.open('o', other, null)
  r.deliver({ clientId: 'v', event: progressEvent({ message: 'for v' }) })
  r.deliver({ clientId: null, event: progressEvent({ message: 'for all' }) })
  const [victimConnected, victimOwn, shared] = victim.ids()
  const epoch = victimConnected.split('-')[0]
  t.equal(r.provesReceipt('v', victimConnected), true, 'its connected id')
  t.equal(r.provesReceipt('v', victimOwn), true, 'an event sent to it')
  t.equal(r.provesReceipt('v', shared), true, 'a broadcast it received')
  t.equal(r.provesReceipt('v', other.ids()[0]), false, 'another stream\'s connected id')
  t.equal(r.provesReceipt('v', `${epoch}-0`), false)
  t.equal(r.provesReceipt('v', null), false)
  t.equal(r.provesReceipt('unknown', victimConnected), false)

  t.match(admitToChannel(r, 'v', { principal: null, quotaKey: 'ip:x' }, `${epoch}-0`), { ok: false, status: 409 })
  t.same(admitToChannel(r, 'v', { principal: null, quotaKey: 'ip:x' }, victimOwn), { ok: true })
  t.match(admitToChannel(r, 'v', { principal: 'mallory', quotaKey: 'mallory' }, victimOwn), { ok: false, status: 404 }, 'owned by open mode, not by mallory')
})

t.test('per-key quota: replacing one\'s own stream always fits; releases free the slot', async (t) => {
  const r = registry(t, 2)
  const first = r.open('a1', new MemorySink(), null, { owner: 'alice', quotaKey: 'alice' })
  r.open('a2', new MemorySink(), null, { owner: 'alice', quotaKey: 'alice' })
  t.match(admitToChannel(r, 'a3', { principal: 'alice', quotaKey: 'alice' }, null), { ok: false, status: 429, code: 'SSE_CHANNEL_QUOTA' })
  t.same(admitToChannel(r, 'a1', { principal: 'alice', quotaKey: 'alice' }, null), { ok: true }, 'the owner may replace its own live stream')
  t.same(admitToChannel(r, 'b1', { principal: 'bob', quotaKey: 'bob' }, null), { ok: true })
  r.release(first)
  t.same(admitToChannel(r, 'a3', { principal: 'alice', quotaKey: 'alice' }, null), { ok: true })
  t.throws(() => r.open('a3', new MemorySink(), null, { owner: 'alice', quotaKey: 'alice' }) && r.open('a4', new MemorySink(), null, { owner: 'alice', quotaKey: 'alice' }), /cannot accept a4/)
})
