/**
 * Whether Chart-IMG answers at all, for health: a HEAD request to the base URL without the API key (so it spends
 * nothing of the daily cap and sends no secret). Any HTTP answer counts as reachable; a connection failure or no
 * answer within `timeoutMs` does not. Cached for `ttlMs` (src/cached-probe.ts), so health polled thousands of times a
 * second sends at most one request a minute upstream.
 */
import { cachedProbe } from '../../cached-probe.js'
import { networkErrorCode } from './retry-policy.js'

export interface ReachabilityProbe {
  /** Why Chart-IMG looks unreachable (a sentence), or null when it answered the last probe. */
  problem: () => Promise<string | null>
}

export function createReachabilityProbe (options: { baseUrl: string, ttlMs?: number, timeoutMs?: number, now?: () => number }): ReachabilityProbe {
  const ttlMs = options.ttlMs ?? 60_000
  const timeoutMs = options.timeoutMs ?? 3000
  const origin = new URL(options.baseUrl)

  async function probe (): Promise<{ problem: string | null }> {
    try {
      const response = await fetch(origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) })
      await response.body?.cancel()
      return { problem: null }
    } catch (error) {
      const code = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : networkErrorCode(error) ?? 'network error'
      return { problem: `Chart-IMG at ${origin.origin} is unreachable (${code}); charts will fail until it answers. Check the network or CHART_IMG_BASE_URL.` }
    }
  }

  const cached = cachedProbe(probe, { ttlMs, now: options.now })
  return {
    problem: async () => (await cached.get()).problem
  }
}
