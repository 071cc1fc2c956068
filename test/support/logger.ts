import { pino, type Logger } from 'pino'
import { Writable } from 'node:stream'

/** A real pino logger whose lines are kept in memory, so tests can assert what was (and was not) logged. */
export function captureLogger (level = 'debug'): { log: Logger, lines: () => string[] } {
  const lines: string[] = []
  const sink = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      callback()
    }
  })
  return { log: pino({ level }, sink), lines: () => lines }
}

export const silentLogger: Logger = pino({ level: 'silent' })
