import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { loadMallocTrim } from '../src/memory/malloc-trim.js'
import { trimAfterDisconnects } from '../src/memory/trim-after-disconnects.js'

/**
 * After a wave of disconnects (MEMORY_TRIM_AFTER_CONNECTIONS closed connections, then MEMORY_TRIM_QUIET_MS without
 * one), gives the native memory they freed back to the OS (src/memory/). Counts every connection of the HTTP server,
 * whatever route it used: SSE channels, MCP sessions and plain requests all leave their buffers behind alike.
 */
export default fp(async function nativeMemoryPlugin (fastify: FastifyInstance) {
  const { MEMORY_TRIM_AFTER_CONNECTIONS: threshold, MEMORY_TRIM_QUIET_MS: quietMs } = fastify.config
  const log = fastify.logger.child({ component: 'native-memory' })
  if (threshold === 0) return
  const trim = loadMallocTrim()
  if (trim === null) {
    log.debug('malloc_trim is not available here (no glibc); freed native memory stays with the allocator')
    return
  }
  const tracker = trimAfterDisconnects({ threshold, quietMs, trim, log })
  const onClose = (): void => { tracker.closed() }
  fastify.server.on('connection', (socket) => { socket.once('close', onClose) })
  fastify.addHook('onClose', async () => { tracker.stop() })
}, { name: 'native-memory', dependencies: ['config'] })
