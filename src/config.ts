/**
 * Configuration from environment variables, validated once at boot. The Config type is derived from the schema,
 * so the two cannot drift. Every variable is documented in .env.example.
 */
import { availableParallelism } from 'node:os'
import { z } from 'zod'

export const PLANS = ['BASIC', 'PRO', 'MEGA', 'ULTRA', 'ENTERPRISE'] as const

const flag = z.enum(['1', '0', 'true', 'false', 'yes', 'no']).transform((v) => v === '1' || v === 'true' || v === 'yes')
const list = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

export const configSchema = z.object({
  PORT: int(0, 65535).default(3001),
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Absolute URL prefix for image links in tool results, e.g. https://charts.example.com; default http://HOST:PORT. */
  // Stored without a trailing slash: every URL the server makes appends a path to it.
  PUBLIC_BASE_URL: z.url().transform((url) => url.replace(/\/+$/, '')).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  /** Free bytes in DATA_DIR below which health says the disk is full (SQLite needs room to commit). Default 16 MiB. */
  DATA_DIR_MIN_FREE_BYTES: int(0, 1024 ** 4).default(16 * 1024 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  /** Optional bearer token required on every MCP and API route (not on /health, /mcp/health or static pages). */
  AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Named static tokens, `alice:<token>,bob:<token>`: each name is a principal (src/auth/static-tokens.ts). */
  AUTH_TOKENS: z.string().transform((s, ctx) => s.split(',').map((x) => x.trim()).filter(Boolean).map((entry) => {
    const at = entry.indexOf(':')
    const name = entry.slice(0, at)
    const token = entry.slice(at + 1)
    // Never echo the entry: it holds a token.
    if (at <= 0 || !/^[A-Za-z0-9_.-]{1,64}$/.test(name) || name === 'token') ctx.addIssue({ code: 'custom', message: 'each entry must be name:token with a name of letters, digits, "_", "." or "-" (not "token")' })
    else if (token.length < 16) ctx.addIssue({ code: 'custom', message: `the token of ${name} must be at least 16 characters` })
    return { name, token }
  })).default([]),
  /** OAuth 2.1 authorization server (JWT `iss`) whose access tokens are accepted; needs OAUTH_JWKS_URL. */
  OAUTH_ISSUER: z.url().optional(),
  /** The issuer's JSON Web Key Set (RFC 7517), e.g. https://auth.example.com/.well-known/jwks.json. */
  OAUTH_JWKS_URL: z.url().optional(),
  /** Requests per principal (per client address before authentication) per RATE_LIMIT_WINDOW_MS; 0 turns it off. */
  RATE_LIMIT_MAX: int(0, 10_000_000).default(1200),
  RATE_LIMIT_WINDOW_MS: int(1000, 3_600_000).default(60_000),
  /**
   * Also at most this many requests per principal (per address) in any one second, so RATE_LIMIT_MAX cannot be spent
   * in one burst that stalls everyone else; 0 (default) turns it off. Off when RATE_LIMIT_MAX is 0.
   */
  RATE_LIMIT_PER_SECOND: int(0, 1_000_000).default(0),
  /** Failed authentications from one address before it is locked out (doubling each time, up to 15 minutes). */
  AUTH_FAILURES_MAX: int(1, 10_000).default(10),
  AUTH_LOCKOUT_MS: int(100, 3_600_000).default(30_000),
  /** Open event streams (/mcp/events, /sse) and MCP sessions one principal (one address in open mode) may hold. */
  SSE_CHANNELS_PER_PRINCIPAL: int(1, 1_000_000).default(100),
  MCP_SESSIONS_PER_PRINCIPAL: int(1, 1_000_000).default(100),
  /** Extra Host names accepted besides localhost names (needed when HOST is not loopback). */
  ALLOWED_HOSTS: list.default([]),
  /** Origins allowed for browsers (CORS and Origin validation); localhost origins are allowed when bound to loopback. */
  ALLOWED_ORIGINS: list.default([]),

  CHART_IMG_API_KEY: z.string().min(1).optional(),
  CHART_IMG_BASE_URL: z.url().default('https://api.chart-img.com'),
  CHART_IMG_PLAN: z.enum(PLANS).default('BASIC'),
  CHART_IMG_TIMEOUT_MS: int(1000, 600_000).default(90_000),
  CHART_IMG_MAX_ATTEMPTS: int(1, 10).default(3),
  /** Largest Chart-IMG response body accepted (bytes); larger ones are cut off as they arrive. */
  CHART_IMG_MAX_RESPONSE_BYTES: int(65_536, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  CHART_IMG_STORAGE: flag.default(false),
  CHART_IMG_SYMBOLS_TTL_MS: int(0, 7 * 86_400_000).default(3_600_000),

  MARKET_DATA_DIR: z.string().min(1).optional(),
  /** Online market data for the embedded engine (src/market/providers); bars are cached in DATA_DIR/market-cache.sqlite, or in Redis when REDIS_URL is set. */
  BINANCE_ENABLED: flag.default(true),
  BINANCE_BASE_URL: z.url().default('https://api.binance.com'),
  COINBASE_ENABLED: flag.default(true),
  COINBASE_BASE_URL: z.url().default('https://api.exchange.coinbase.com'),
  TWELVEDATA_API_KEY: z.string().min(1).optional(),
  TWELVEDATA_ENABLED: flag.default(true),
  TWELVEDATA_BASE_URL: z.url().default('https://api.twelvedata.com'),
  /** Twelve Data's free plan allows 8 API credits per minute; raise it for paid plans. */
  TWELVEDATA_REQUESTS_PER_MINUTE: int(1, 10_000).default(8),
  /** Twelve Data's free plan allows 800 API credits per UTC day; counted in the bar cache's store (SQLite or Redis). */
  TWELVEDATA_DAILY_LIMIT: int(1, 10_000_000).default(800),
  MARKET_FETCH_TIMEOUT_MS: int(1000, 120_000).default(15_000),
  /** Longest provider rate-limit wait (Retry-After) honoured inside one chart request; longer ones fail at once. */
  MARKET_MAX_RETRY_WAIT_MS: int(0, 120_000).default(10_000),
  RENDER_WORKERS: int(1, 64).default(availableParallelism()),
  RENDER_QUEUE_LIMIT: int(1, 10_000).default(64),
  RENDER_CACHE_ENTRIES: int(0, 10_000).default(128),

  HISTORY_MAX_ROWS: int(10, 10_000_000).default(10_000),
  HISTORY_MAX_AGE_DAYS: int(1, 3650).default(30),

  HEARTBEAT_MS: int(100, 3_600_000).default(30_000),
  KEEPALIVE_MS: int(100, 300_000).default(15_000),
  MAX_SSE_CLIENTS: int(1, 1_000_000).default(10_000),
  SSE_REPLAY_EVENTS: int(0, 10_000).default(200),
  /** Bytes queued for one slow SSE client before its channel is closed (it resumes with Last-Event-ID). */
  SSE_MAX_QUEUED_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),

  /**
   * After this many connections close in one wave, free native memory goes back to the OS once the wave is over
   * (glibc keeps it otherwise; src/memory/). 0 turns it off.
   */
  MEMORY_TRIM_AFTER_CONNECTIONS: int(0, 10_000_000).default(1000),
  /** How long without a closed connection ends a wave (ms). */
  MEMORY_TRIM_QUIET_MS: int(100, 600_000).default(5000),

  /**
   * Graceful shutdown: how long running charts may take to finish after SIGTERM before they are aborted (and still
   * answered). The process exits within this plus SHUTDOWN_CLOSE_GRACE_MS (src/server.ts).
   */
  SHUTDOWN_DEADLINE_MS: int(0, 600_000).default(10_000),
  SESSION_IDLE_MS: int(1000, 86_400_000).default(1_800_000),
  MAX_SESSIONS: int(1, 1_000_000).default(1000),
  MCP_CONFORMANCE_FIXTURES: flag.default(false),
  /** Answer /mcp POSTs with plain JSON instead of an SSE stream (no progress or log notifications then). */
  MCP_JSON_RESPONSE: flag.default(false),

  /**
   * An OpenAI-compatible Chat Completions endpoint for POST /chat (e.g. https://api.openai.com/v1 or a local server's
   * /v1). Unset: /chat answers a command syntax instead (src/chat/commands.ts).
   */
  LLM_BASE_URL: z.url().optional(),
  /** Bearer key for LLM_BASE_URL (optional: local servers often need none). Never logged. */
  LLM_API_KEY: z.string().min(1).optional(),
  /** The model name sent to LLM_BASE_URL; the chat agent is on when both LLM_BASE_URL and LLM_MODEL are set. */
  LLM_MODEL: z.string().min(1).optional(),
  /** How long one model request may take. */
  LLM_TIMEOUT_MS: int(1000, 600_000).default(60_000),
  /**
   * Ask the model to stream its answer (`stream: true`, server-sent chunks). On by default: a long answer then counts
   * against LLM_TIMEOUT_MS as it arrives rather than all at once; turn off for servers that mishandle streaming.
   */
  LLM_STREAM: flag.default(true),

  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional(),
  /** Every Redis key and pub/sub channel of the shared state layer starts with it (several deployments on one Redis). */
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_.-]{0,64}$/, 'letters, digits and : _ . - only, at most 64').default('chart-img-mcp:'),
  /**
   * With REDIS_URL: chart images go to this directory (a volume every instance mounts) instead of Redis. Without
   * REDIS_URL it is not used (images stay in DATA_DIR/charts).
   */
  IMAGE_DIR: z.string().min(1).optional(),
  /**
   * With REDIS_URL: how often this instance refreshes its liveness key (src/redis/instance-liveness.ts). The key
   * expires after three periods: that long after an instance dies, its unfinished chart requests read as failed.
   */
  INSTANCE_HEARTBEAT_MS: int(100, 60_000).default(5000)
}).refine((c) => (c.OAUTH_ISSUER === undefined) === (c.OAUTH_JWKS_URL === undefined), {
  path: ['OAUTH_JWKS_URL'], message: 'OAUTH_ISSUER and OAUTH_JWKS_URL go together'
})

export type Config = z.infer<typeof configSchema>

export class ConfigError extends Error {
  constructor (readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment; empty strings count as unset. Throws ConfigError naming each bad variable. */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(configSchema.shape)
  const input: Record<string, string> = {}
  for (const key of known) {
    const value = env[key]
    if (value !== undefined && value !== '') input[key] = value
  }
  const parsed = configSchema.safeParse(input)
  if (!parsed.success) {
    // Never echo values: a bad CHART_IMG_API_KEY or AUTH_TOKEN must not reach the log.
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))
  }
  return parsed.data
}

/** Config for tests and embedding: the defaults with online market-data providers off (tests never reach the internet), with overrides. */
export function testConfig (overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), LOG_LEVEL: 'silent', BINANCE_ENABLED: false, COINBASE_ENABLED: false, TWELVEDATA_API_KEY: undefined, ...overrides }
}

export function isLoopbackHost (host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.')
}
