/**
 * The `requestState` of 2026-07-28 multi-round-trip requests (MRTR, spec basic/patterns/mrtr): it travels through the
 * client and comes back as attacker-controlled input, so it is sealed with the SDK's HMAC codec
 * (`createRequestStateCodec`), expires, and is bound to the method and the caller (principal and event channel):
 * state minted for one caller or one method is rejected (-32602) when replayed by another. The key is random per
 * process, or with REDIS_URL one secret kept in Redis and shared by every instance (`shareRequestStateKey`), so a
 * flow's rounds may reach different instances.
 */
import { randomBytes } from 'node:crypto'
import { CLIENT_CAPABILITIES_META_KEY, createRequestStateCodec, type ClientCapabilities, type RequestStateCodec, type ServerContext } from '@modelcontextprotocol/server'
import { principalIdOf } from '../auth/mcp-auth-info.js'
import { resolveClientId } from './client-id.js'

/** How long a client may take to answer an input request (seconds). */
export const REQUEST_STATE_TTL_SECONDS = 600

/**
 * The authenticated principal of a request, or null in open mode: the id plugins/security.ts put in the AuthInfo the
 * routes hand the SDK (src/auth/mcp-auth-info.ts), not AuthInfo.clientId, which for OAuth names the client app.
 */
export function principalOf (ctx: ServerContext): string | null {
  return principalIdOf(ctx.http?.authInfo)
}

function codecWith (key: Uint8Array | string): RequestStateCodec<Record<string, unknown>> {
  return createRequestStateCodec({
    key,
    ttlSeconds: REQUEST_STATE_TTL_SECONDS,
    bind: (ctx) => [ctx.mcpReq.method, principalOf(ctx) ?? '', resolveClientId(ctx) ?? ''].join('\0')
  })
}

let codec = codecWith(randomBytes(32))

export const requestStateCodec: RequestStateCodec<Record<string, unknown>> = {
  mint: async (payload, ctx) => await codec.mint(payload, ctx),
  verify: async (state, ctx) => await codec.verify(state, ctx)
}

/**
 * Seals and verifies with `key` from now on: the secret every instance shares (REDIS_URL, plugins/mcp-sessions.ts),
 * so a flow's rounds may reach different instances. At least 32 bytes (the SDK's rule).
 */
export function shareRequestStateKey (key: string): void {
  codec = codecWith(key)
}

/**
 * The client capabilities a 2026-07-28 request declared in its `_meta` envelope (each request carries its own;
 * the SDK types the envelope as an empty object, so it is read here, once).
 */
export function declaredClientCapabilities (ctx: ServerContext): ClientCapabilities | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined
  return envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined
}
