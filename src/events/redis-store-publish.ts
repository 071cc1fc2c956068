/**
 * Publishing one chart event with REDIS_URL: ONE script at the publisher numbers it, stores it where the channels
 * that may replay it read (src/redis/event-sequence.ts for the keys) and PUBLISHes it with its number on the bus
 * channel. Subscribers (every registry of every instance) take the number from the message and make no Redis call per
 * event, so the Redis work per event does not grow with the number of instances or registries.
 *
 * Atomic (a script, Redis docs "Scripting with Lua": no other command runs in between): a stream opening's CONNECT
 * script (src/sse/redis-channel-log.ts) runs wholly before or after it, so the event is either in that stream's
 * snapshot (seq below its connected number) or published after it (seq above): never neither, never both.
 */
import type { Redis } from 'ioredis'
import { NEXT_SEQ_LUA, type ClusterSequence, type ReplayKeys, CHANNEL_REGISTRIES } from '../redis/event-sequence.js'
import type { BusMessage } from './types.js'

// KEYS: epoch, seq, limits, stream, then (for one channel, not a broadcast) each registry's meta of that channel.
// ARGV: floor, epoch, event JSON, bus channel, message JSON without seq.
// Stored only when some instance knows the channel (a meta of either registry exists; a broadcast: any stream was
// ever opened), as an instance without Redis keeps nothing for an id that never connected: anyone could otherwise
// grow Redis by naming ids. The message goes out with `"seq":<n>` (0: not stored), or without a seq when the store
// failed (then it is delivered live only, as from an instance that does not number events).
const STORE_AND_PUBLISH = NEXT_SEQ_LUA + `
redis.call('SET', KEYS[1], ARGV[2], 'NX')
local seq = 0
local limits = redis.call('HMGET', KEYS[3], 'cap', 'ttl')
if limits[1] and limits[2] then
  local known = #KEYS == 4
  for i = 5, #KEYS do
    if redis.call('PEXPIRE', KEYS[i], limits[2]) == 1 then known = true end
  end
  if known then
    seq = nextSeq(KEYS[2], tonumber(ARGV[1]))
    local added = redis.pcall('XADD', KEYS[4], 'MAXLEN', '~', limits[1], seq .. '-0', 'p', ARGV[3])
    if type(added) == 'table' and added.err then
      redis.call('PUBLISH', ARGV[4], ARGV[5])
      return -seq
    end
    redis.call('PEXPIRE', KEYS[4], limits[2])
  end
end
redis.call('PUBLISH', ARGV[4], '{"seq":' .. seq .. ',' .. string.sub(ARGV[5], 2))
return seq
`

/**
 * Stores `message` for replay (when some instance knows its channel) and publishes it on `busChannel` with its
 * sequence number. Returns the number (0: not stored; negative: numbered but the stream refused it, sent unnumbered).
 * Rejects when Redis is unreachable (nothing was stored or published).
 */
export async function storeAndPublish (redis: Redis, keys: ReplayKeys, sequence: ClusterSequence, busChannel: string, message: BusMessage): Promise<number> {
  // A message relayed from the bus keeps no number of its own: the script gives it one.
  const { seq: _relayed, ...unnumbered } = message
  const owner = message.owner ?? null
  const scriptKeys = message.clientId === null
    ? [keys.epoch, keys.seq, keys.limits, keys.broadcast(owner)]
    : [keys.epoch, keys.seq, keys.limits, keys.channel(message.clientId), ...CHANNEL_REGISTRIES.map((registry) => keys.meta(registry, message.clientId as string))]
  const seq = Number(await redis.eval(STORE_AND_PUBLISH, scriptKeys.length, ...scriptKeys,
    String(sequence.floor), sequence.epoch, JSON.stringify(message.event), busChannel, JSON.stringify(unnumbered)))
  sequence.observe(Math.abs(seq))
  return seq
}
