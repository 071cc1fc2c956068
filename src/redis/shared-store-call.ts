/**
 * One Redis command (or MULTI) of the shared state layer, with one failure shape: when Redis cannot be reached the
 * caller gets a SharedStoreUnavailableError saying what could not be done (shown to the user as is), instead of
 * ioredis' "Reached the max retries per request limit" turned into "internal error". Errors Redis itself answered
 * (ReplyError: a bug of ours, not an outage) pass through unchanged.
 */
import { ReplyError } from 'ioredis'
import { SharedStoreUnavailableError } from '../history/types.js'

export async function sharedStoreCall<T> (what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command()
  } catch (error) {
    if (error instanceof ReplyError) throw error
    throw new SharedStoreUnavailableError(what, { cause: error })
  }
}
