import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
    /** The app's pino logger, typed as pino's Logger for the Fastify-free core (which takes `Logger` from pino). */
    logger: Logger
  }
}

/** Puts the validated configuration on the app. Every other app plugin depends on it by name. */
export default fp(async function configPlugin (fastify: FastifyInstance, options: { config: Config }) {
  fastify.decorate('config', options.config)
  // Fastify's logger is a pino instance; FastifyBaseLogger only hides pino's `msgPrefix`, which the core never uses.
  fastify.decorate('logger', fastify.log as unknown as Logger)
}, { name: 'config' })
