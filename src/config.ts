import { z } from 'zod';
import { TENANT_PATTERN } from './auth/index.js';
import { ConfigError } from './errors/index.js';
import { TOKENIZER_NAMES, type TokenizerName } from './prompt/index.js';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const ms = (fallback: number) => z.coerce.number().int().min(1).max(600_000).default(fallback);
const bytes = (fallback: number) => z.coerce.number().int().min(1024).max(68_719_476_736).default(fallback);
const MiB = 1024 * 1024;

/** Addresses only this machine can reach; `AUTH_MODE=off` is refused on any other (Redis's protected mode). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Time of one outbox entry's delivery: up to 3 Zep calls (read back, create, send), and a second to spare. */
function outboxEntryMs(zepTimeoutMs: number): number {
  return zepTimeoutMs * 3 + 1000;
}

/**
 * The time budget of one outbox delivery round: waves of `concurrency` entries, each up to
 * {@link outboxEntryMs}, but always inside the lease, so that no round outlives its claim (a round
 * cut short gives its entries back; they are compared with Zep before they are sent again).
 */
export function outboxRoundMs(config: { readonly zepTimeoutMs: number; readonly outbox: { readonly batchSize: number; readonly concurrency: number; readonly leaseMs: number } }): number {
  const waves = Math.ceil(config.outbox.batchSize / config.outbox.concurrency);
  return Math.min(outboxEntryMs(config.zepTimeoutMs) * waves, config.outbox.leaseMs - 1000);
}

const tenant = z.string().regex(TENANT_PATTERN, 'must be 1–64 letters, digits, "_", "." or "-"');

const EnvSchema = z.object({
  AUTH_MODE: z.enum(['required', 'off']).default('required'),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  AUTH_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
  AUTH_DEFAULT_TENANT: tenant.default('acme'),
  AUTH_API_KEYS: z.enum(['on', 'off']).default('on'),
  AUTH_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(30_000).default(30_000),
  ZEP_TENANT_API_KEYS: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  HOST: z.string().min(1).default('localhost'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: ms(5000),
  DATABASE_IDLE_TIMEOUT_MS: ms(30_000),
  DATABASE_STATEMENT_TIMEOUT_MS: ms(5000),
  DATABASE_PREPARED_STATEMENTS: flag.default(true),
  PGLITE_DIR: z.string().min(1).default('.engram/pglite'),
  SEED_DEMO: flag.optional(),
  ZEP_API_KEY: z.string().min(1).optional(),
  ZEP_BASE_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  ZEP_TIMEOUT_MS: ms(1500),
  ZEP_MAX_RETRIES: z.coerce.number().int().min(0).max(5).default(0),
  ZEP_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  ZEP_EMULATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8100),
  PROVIDER_TIMEOUT_MS: ms(2000),
  REQUEST_DEADLINE_MS: ms(10_000),
  MAX_REQUEST_DEADLINE_MS: ms(30_000),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
  REDIS_COMMAND_TIMEOUT_MS: ms(100),
  CACHE: z.enum(['on', 'off']).default('on'),
  CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).max(10_000_000).default(10_000),
  CACHE_MAX_BYTES: bytes(64 * MiB),
  PARSE_CACHE_MAX_BYTES: bytes(32 * MiB),
  APQ_CACHE_MAX_BYTES: bytes(8 * MiB),
  RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(0).max(5).default(1),
  BREAKER_CONSECUTIVE_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  // 1 s: a provider that is back (a database after failover) serves again within about a second.
  BREAKER_HALF_OPEN_AFTER_MS: ms(1000),
  RATE_LIMIT_MAX: z.coerce.number().int().min(0).max(1_000_000).default(1200),
  RATE_LIMIT_WINDOW_MS: ms(60_000),
  LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION: z.coerce.number().min(0).max(1).default(0),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(10_485_760).default(262_144),
  HTTP_REQUEST_TIMEOUT_MS: ms(30_000),
  HTTP_HEADERS_TIMEOUT_MS: ms(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: ms(72_000),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  SHUTDOWN_TIMEOUT_MS: ms(10_000),
  SHUTDOWN_READINESS_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  PERSISTED_ONLY: flag.default(false),
  TOKENIZER: z.enum(TOKENIZER_NAMES).default('o200k_base'),
  OUTBOX_WORKER: z.enum(['on', 'off']).default('on'),
  OUTBOX_POLL_INTERVAL_MS: ms(1000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(32),
  OUTBOX_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  OUTBOX_LEASE_MS: ms(60_000),
  OUTBOX_BACKOFF_INITIAL_MS: ms(500),
  OUTBOX_BACKOFF_MAX_MS: ms(5000),
}).refine((e) => e.HTTP_HEADERS_TIMEOUT_MS <= e.HTTP_REQUEST_TIMEOUT_MS, {
  path: ['HTTP_HEADERS_TIMEOUT_MS'],
  error: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
});

export interface EngramConfig {
  /** `required`: verified credentials on every request; `off`: the development principal (loopback only). */
  readonly auth: {
    readonly mode: 'required' | 'off';
    readonly jwt: { readonly jwksUrl: string; readonly issuer: string; readonly audience: string; readonly tenantClaim: string } | undefined;
    readonly apiKeys: boolean;
    readonly apiKeyCacheMs: number;
    /** The tenant of the development principal (`AUTH_MODE=off`). */
    readonly defaultTenant: string;
  };
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.output<typeof EnvSchema>['LOG_LEVEL'];
  /** `pretty` lines for people, `json` for collectors; `auto`: pretty when stdout is a terminal. */
  readonly logFormat: 'auto' | 'json' | 'pretty';
  /** `postgres` with a URL, or `pglite` (embedded) with a data directory. */
  readonly database:
    | {
        readonly kind: 'postgres';
        readonly url: string;
        readonly poolSize: number;
        readonly connectTimeoutMs: number;
        readonly idleTimeoutMs: number;
        readonly statementTimeoutMs: number;
        /** Named prepared statements for the provider's fixed statements (off behind PgBouncer < 1.21 in transaction mode). */
        readonly preparedStatements: boolean;
      }
    | { readonly kind: 'pglite'; readonly dir: string };
  /** Load the demo data set at start-up. Default: on for the embedded database, off otherwise. */
  readonly seedDemo: boolean;
  /** Zep Cloud (or a compatible server) when an API key is set; the local emulator otherwise. */
  readonly zep:
    | {
        readonly kind: 'cloud';
        readonly apiKey: string;
        readonly baseUrl: string | undefined;
        /** Tenants with a Zep project of their own (`ZEP_TENANT_API_KEYS=acme=key1,globex=key2`). */
        readonly tenantApiKeys: Readonly<Record<string, string>>;
      }
    | { readonly kind: 'emulator'; readonly port: number };
  readonly zepTimeoutMs: number;
  readonly zepMaxRetries: number;
  readonly zepConcurrency: number;
  readonly providerTimeoutMs: number;
  readonly requestDeadlineMs: number;
  readonly maxRequestDeadlineMs: number;
  /** Shared cache and rate-limit counters for several instances; in-process when absent. */
  readonly redisUrl: string | undefined;
  /** A Redis command slower than this fails open (cache miss, rate limit skipped). */
  readonly redisCommandTimeoutMs: number;
  readonly cache: { readonly enabled: boolean; readonly maxEntries: number; readonly maxBytes: number };
  /** Byte bounds of the parsed-document cache and of the APQ store. */
  readonly documentCaches: { readonly parseMaxBytes: number; readonly apqMaxBytes: number };
  readonly policy: { readonly retryMaxAttempts: number; readonly breakerConsecutiveFailures: number; readonly breakerHalfOpenAfterMs: number };
  /** Requests per client per window; 0 turns rate limiting off. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
  /** 0 turns load shedding off. */
  readonly loadSheddingMaxEventLoopDelayMs: number;
  /** Also shed above this event-loop utilization (0–1); 0 turns this trigger off. */
  readonly loadSheddingMaxEventLoopUtilization: number;
  readonly bodyLimitBytes: number;
  readonly http: { readonly requestTimeoutMs: number; readonly headersTimeoutMs: number; readonly keepAliveTimeoutMs: number; readonly maxConnections: number };
  readonly shutdownTimeoutMs: number;
  /** How long `/readyz` answers 503 before the listener closes, so load balancers can react. */
  readonly shutdownReadinessDelayMs: number;
  /** Execute only the persisted documents of the manifest; ad-hoc queries and APQ registration are rejected. */
  readonly persistedOnly: boolean;
  /** The encoding bundles count tokens with. */
  readonly tokenizer: TokenizerName;
  /** The outbox worker of this instance (`OUTBOX_WORKER=off`: accept writes, let other instances deliver). */
  readonly outbox: {
    readonly worker: boolean;
    readonly pollIntervalMs: number;
    readonly batchSize: number;
    readonly concurrency: number;
    readonly leaseMs: number;
    readonly backoffInitialMs: number;
    readonly backoffMaxMs: number;
  };
}

/**
 * Reads and validates the environment. Empty variables count as unset. Throws a `ConfigError`
 * listing every problem as `NAME: reason (received "value")`.
 */
export function loadConfig(env: NodeJS.ProcessEnv): EngramConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = present[name];
      const shown = name.includes('KEY') || name === 'DATABASE_URL' ? '' : ` (received "${value}")`;
      return `${name}: ${issue.message}${shown}`;
    }));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.AUTH_MODE === 'off' && !isLoopbackHost(e.HOST)) {
    problems.push(`AUTH_MODE: "off" is allowed only while HOST is a loopback address (received HOST "${e.HOST}"): anyone who can reach the server would read every memory. Set AUTH_MODE=required (with AUTH_JWKS_URL or API keys from \`npm run keys\`), or bind HOST=127.0.0.1.`);
  }
  // Signing keys fetched over plain HTTP could be swapped on the way: HTTPS, except on this machine.
  if (e.AUTH_JWKS_URL?.startsWith('http:') && !isLoopbackHost(new URL(e.AUTH_JWKS_URL).hostname)) {
    problems.push('AUTH_JWKS_URL: must be an https:// URL (http:// only for a loopback identity provider).');
  }
  const jwtVars = [e.AUTH_JWKS_URL, e.AUTH_ISSUER, e.AUTH_AUDIENCE];
  if (jwtVars.some((v) => v !== undefined) && jwtVars.some((v) => v === undefined)) {
    problems.push('AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE: set all three to accept JWTs (issuer and audience are always checked), or none.');
  }
  if (e.AUTH_MODE === 'required' && e.AUTH_API_KEYS === 'off' && e.AUTH_JWKS_URL === undefined) {
    problems.push('AUTH_API_KEYS: "off" leaves no way to authenticate; configure AUTH_JWKS_URL (with AUTH_ISSUER and AUTH_AUDIENCE) or keep API keys on.');
  }
  const tenantApiKeys: Record<string, string> = {};
  for (const pair of (e.ZEP_TENANT_API_KEYS ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [name, key] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)];
    if (!pair.includes('=') || !tenant.safeParse(name).success || key === '') {
      problems.push('ZEP_TENANT_API_KEYS: expected comma-separated tenant=apiKey pairs (e.g. "acme=z_key1,globex=z_key2").');
      break;
    }
    tenantApiKeys[name] = key;
  }
  if (Object.keys(tenantApiKeys).length > 0 && !e.ZEP_API_KEY) problems.push('ZEP_TENANT_API_KEYS: needs ZEP_API_KEY (the project of the other tenants) too.');
  if (e.OUTBOX_LEASE_MS - 1000 < outboxEntryMs(e.ZEP_TIMEOUT_MS)) {
    problems.push(`OUTBOX_LEASE_MS: must exceed one delivery to Zep by a second (ZEP_TIMEOUT_MS × 3 + 2 s = ${outboxEntryMs(e.ZEP_TIMEOUT_MS) + 1000} ms), or a delivery could outlive its claim (received "${e.OUTBOX_LEASE_MS}").`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    auth: {
      mode: e.AUTH_MODE,
      jwt: e.AUTH_JWKS_URL && e.AUTH_ISSUER && e.AUTH_AUDIENCE
        ? { jwksUrl: e.AUTH_JWKS_URL, issuer: e.AUTH_ISSUER, audience: e.AUTH_AUDIENCE, tenantClaim: e.AUTH_TENANT_CLAIM }
        : undefined,
      apiKeys: e.AUTH_API_KEYS === 'on',
      apiKeyCacheMs: e.AUTH_API_KEY_CACHE_MS,
      defaultTenant: e.AUTH_DEFAULT_TENANT,
    },
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    database: e.DATABASE_URL
      ? {
          kind: 'postgres',
          url: e.DATABASE_URL,
          poolSize: e.DATABASE_POOL_SIZE,
          connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
          idleTimeoutMs: e.DATABASE_IDLE_TIMEOUT_MS,
          statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
          preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
        }
      : { kind: 'pglite', dir: e.PGLITE_DIR },
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    zep: e.ZEP_API_KEY
      ? { kind: 'cloud', apiKey: e.ZEP_API_KEY, baseUrl: e.ZEP_BASE_URL, tenantApiKeys }
      : { kind: 'emulator', port: e.ZEP_EMULATOR_PORT },
    zepTimeoutMs: e.ZEP_TIMEOUT_MS,
    zepMaxRetries: e.ZEP_MAX_RETRIES,
    zepConcurrency: e.ZEP_CONCURRENCY,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    requestDeadlineMs: e.REQUEST_DEADLINE_MS,
    maxRequestDeadlineMs: e.MAX_REQUEST_DEADLINE_MS,
    redisUrl: e.REDIS_URL,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    cache: { enabled: e.CACHE === 'on', maxEntries: e.CACHE_MAX_ENTRIES, maxBytes: e.CACHE_MAX_BYTES },
    documentCaches: { parseMaxBytes: e.PARSE_CACHE_MAX_BYTES, apqMaxBytes: e.APQ_CACHE_MAX_BYTES },
    policy: {
      retryMaxAttempts: e.RETRY_MAX_ATTEMPTS,
      breakerConsecutiveFailures: e.BREAKER_CONSECUTIVE_FAILURES,
      breakerHalfOpenAfterMs: e.BREAKER_HALF_OPEN_AFTER_MS,
    },
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    loadSheddingMaxEventLoopDelayMs: e.LOAD_SHEDDING_MAX_EVENT_LOOP_DELAY_MS,
    loadSheddingMaxEventLoopUtilization: e.LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    shutdownReadinessDelayMs: e.SHUTDOWN_READINESS_DELAY_MS,
    persistedOnly: e.PERSISTED_ONLY,
    tokenizer: e.TOKENIZER,
    outbox: {
      worker: e.OUTBOX_WORKER === 'on',
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      batchSize: e.OUTBOX_BATCH_SIZE,
      concurrency: e.OUTBOX_CONCURRENCY,
      leaseMs: e.OUTBOX_LEASE_MS,
      backoffInitialMs: e.OUTBOX_BACKOFF_INITIAL_MS,
      backoffMaxMs: e.OUTBOX_BACKOFF_MAX_MS,
    },
  };
}
