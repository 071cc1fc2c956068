import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { EventBus } from '../src/events/bus.js'
import { createEventBus } from '../src/events/create-bus.js'
import { redactRedisUrl } from '../src/redis/connection.js'
import { countPublished } from '../src/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Chart events from the chart service to every surface; Redis pub/sub across instances when REDIS_URL is set. */
    bus: EventBus
  }
}

/** Puts the event bus on the app: in-memory, or Redis pub/sub when `config.REDIS_URL` is set. Closed on app close. */
export default fp(async function eventBusPlugin (fastify: FastifyInstance) {
  const { REDIS_URL } = fastify.config
  const log = fastify.log.child({ component: 'event-bus' })
  const bus = countPublished(await createEventBus(fastify.config, log))
  fastify.decorate('bus', bus)
  fastify.addHook('onClose', async () => { await bus.close() })
  log.debug({ kind: REDIS_URL === undefined ? 'memory' : 'redis', redis: REDIS_URL === undefined ? undefined : redactRedisUrl(REDIS_URL) }, 'event bus ready')
}, { name: 'event-bus', dependencies: ['config'] })
