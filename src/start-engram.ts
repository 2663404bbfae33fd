import { dirname, join } from 'node:path';
import { destination, pino, type Logger } from 'pino';
import { isLoopbackHost, loadConfig, outboxRoundMs, type EngramConfig } from './config.js';
import { ApiKeyStore, Authenticator } from './auth/index.js';
import type { Engram } from './create-engram.js';
import { createDemoEngram, demoPersistedDocuments, ensureDemoKeys, seedDemo, seedZepDemo, type DemoKey } from './demo/index.js';
import { ConfigError } from './errors/index.js';
import { migrateToLatest, openDatabase, type OpenedDatabase } from './providers/postgres/index.js';
import { createZepClient, type ZepProviderOptions } from './providers/zep/index.js';
import type { ZepEmulator } from './zep-emulator/index.js';
import { RedisConnection } from './redis/index.js';
import { MemoryContextCache, RedisContextCache, type ContextCache } from './store/index.js';

/** The configuration from the environment; a bad one is reported on stderr and exits with EX_CONFIG. */
export function readConfig(): EngramConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/**
 * The process logger: readable lines on a terminal, JSON for log collectors (LOG_FORMAT overrides
 * the guess), written to `fd` (stdout for the server; stderr for the stdio MCP server, whose
 * stdout is the protocol).
 */
export async function createLogger(config: EngramConfig, fd: 1 | 2 = 1): Promise<Logger> {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && (fd === 1 ? process.stdout : process.stderr).isTTY === true);
  const options = { level: config.logLevel, base: { service: 'engram' } };
  // In the main thread (sync), so that log lines and the demo keys printed keep their order;
  // loaded for a terminal only (JSON logs need none of it).
  if (pretty) return pino(options, (await import('pino-pretty')).PinoPretty({ sync: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,service', destination: fd }));
  return pino(options, fd === 1 ? undefined : destination({ fd, sync: true }));
}

/** Zep Cloud when ZEP_API_KEY is set; otherwise the local emulator, seeded and clearly logged. */
async function connectZep(config: EngramConfig, logger: Logger, emulatorPort: number): Promise<{ options: ZepProviderOptions; emulator?: ZepEmulator }> {
  const tuning = { timeoutMs: config.zepTimeoutMs, maxRetries: config.zepMaxRetries, concurrency: config.zepConcurrency };
  if (config.zep.kind === 'cloud') {
    logger.info({ baseUrl: config.zep.baseUrl ?? 'Zep Cloud default' }, 'using Zep from ZEP_API_KEY');
    const baseUrl = config.zep.baseUrl;
    const tenantClients = Object.fromEntries(
      Object.entries(config.zep.tenantApiKeys).map(([tenant, apiKey]) => [tenant, createZepClient({ apiKey, baseUrl })]),
    );
    return { options: { client: createZepClient({ apiKey: config.zep.apiKey, baseUrl }), tenantClients, ...tuning } };
  }
  logger.info(`ZEP_API_KEY is not set: starting the local Zep emulator on port ${emulatorPort || 'any free port'}`);
  // Loaded here only: a deployment with Zep Cloud never pays for the emulator's modules.
  const { startZepEmulator } = await import('./zep-emulator/index.js');
  const emulator = await startZepEmulator({ port: emulatorPort });
  const client = createZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  const counts = await seedZepDemo(client);
  logger.warn(
    { url: emulator.url, faults: `${emulator.url}/_emulator/faults`, ...counts },
    'ZEP_API_KEY is not set: using the LOCAL ZEP EMULATOR, a development stand-in for Zep Cloud, seeded with demo data. ' +
      `Simulate an outage: curl -X PUT ${emulator.url}/_emulator/faults -H 'content-type: application/json' -d '{"outage":true}'`,
  );
  return { options: { client, ...tuning }, emulator };
}

/**
 * The authenticator the configuration asks for. The embedded demo (no DATABASE_URL) runs with auth
 * required like any other deployment, and creates its own API keys (kept in its data directory).
 */
async function authenticatorFor(config: EngramConfig, db: OpenedDatabase['db'], logger: Logger): Promise<{ authenticator: Authenticator; demoKeys?: { keys: DemoKey[]; file: string } }> {
  if (config.auth.mode === 'off') {
    logger.warn({ tenant: config.auth.defaultTenant, host: config.host }, 'AUTH_MODE=off: every request is the development principal with every scope (allowed on a loopback address only)');
    return { authenticator: new Authenticator({ mode: 'off', tenant: config.auth.defaultTenant }) };
  }
  const apiKeys = config.auth.apiKeys ? new ApiKeyStore(db, { cacheTtlMs: config.auth.apiKeyCacheMs }) : false;
  const authenticator = new Authenticator({ mode: 'required', apiKeys, ...(config.auth.jwt ? { jwt: config.auth.jwt } : {}) });
  logger.info({ accepts: authenticator.accepts, ...(config.auth.jwt ? { issuer: config.auth.jwt.issuer, audience: config.auth.jwt.audience } : {}) }, 'authentication required');
  if (apiKeys && config.database.kind === 'pglite' && config.seedDemo) {
    const file = join(dirname(config.database.dir), 'demo-keys.json');
    const { keys, created } = await ensureDemoKeys(apiKeys, file);
    if (created) logger.info({ file }, 'created demo API keys for the embedded demo');
    return { authenticator, demoKeys: { keys, file } };
  }
  return { authenticator };
}

export interface StartedEngram {
  readonly engram: Engram;
  /** The embedded demo's API keys and the file they are kept in (embedded demo only). */
  readonly demoKeys: { keys: DemoKey[]; file: string } | undefined;
  /** Stops the providers, the emulator, Redis and the database (the HTTP server too, if listening). */
  close(): Promise<void>;
}

export interface StartOptions {
  /**
   * Port of the local Zep emulator (when ZEP_API_KEY is not set); `0` picks a free one.
   * @default config.zep.port
   */
  readonly emulatorPort?: number;
}

/**
 * Everything `npm start` and `npm run mcp` share: opens (and migrates, and seeds) the database,
 * connects Zep or starts its emulator, Redis, the cache and the authenticator, and composes the demo
 * Engram. Listening (HTTP) or serving stdio is the caller's.
 */
export async function startEngram(config: EngramConfig, logger: Logger, options: StartOptions = {}): Promise<StartedEngram> {
  logger.info(config.database.kind === 'postgres' ? 'connecting to PostgreSQL (DATABASE_URL)' : `opening the embedded database (PGlite) in ${config.database.dir}`);
  const database = config.database.kind === 'postgres'
    ? await openDatabase({
        ...config.database,
        // Logged per lost connection; the pool replaces it and the fields on it fail as unavailable.
        onConnectionError: (error) => logger.warn({ err: error.message }, 'a PostgreSQL connection failed; the pool replaces it'),
      })
    : await openDatabase({ pgliteDir: config.database.dir });
  if (config.database.kind === 'pglite') {
    logger.info({ dir: config.database.dir }, 'DATABASE_URL is not set: using embedded PostgreSQL (PGlite); data persists in this directory');
  }
  logger.info('migrating the database');
  const migrated = await migrateToLatest(database.db);
  if (migrated.length > 0) logger.info({ applied: migrated.map((m) => m.migrationName) }, 'migrations applied');
  if (config.seedDemo) {
    logger.info('seeding the demo data (tenants acme and globex)');
    const counts = await seedDemo(database.db);
    logger.info(counts, 'demo data seeded into PostgreSQL');
  }
  const zep = await connectZep(config, logger, options.emulatorPort ?? (config.zep.kind === 'emulator' ? config.zep.port : 0));
  // One connection serves the cache and the rate-limit counters; both fail open while it is down.
  const redis = config.redisUrl ? new RedisConnection({ url: config.redisUrl, commandTimeoutMs: config.redisCommandTimeoutMs, logger }) : undefined;
  const cache: ContextCache | false = !config.cache.enabled
    ? false
    : redis
      ? new RedisContextCache({ connection: redis })
      : new MemoryContextCache({ maxEntries: config.cache.maxEntries, maxBytes: config.cache.maxBytes });
  logger.info({ cache: cache ? cache.kind : 'off', rateLimit: config.rateLimit.max > 0 ? `${config.rateLimit.max}/${config.rateLimit.windowMs}ms${redis ? ' (redis)' : ''}` : 'off' }, 'operational settings');

  const auth = await authenticatorFor(config, database.db, logger);
  const engram = createDemoEngram({
    db: database.db,
    pool: database.pool,
    ...(config.database.kind === 'postgres' ? { preparedStatements: config.database.preparedStatements } : {}),
    auth: auth.authenticator,
    // GraphiQL's page loads without credentials: it carries the demo key only where no one else can
    // load it (a loopback address), never on a server bound to a network (e.g. the Docker image).
    ...(auth.demoKeys && isLoopbackHost(config.host) ? { graphiqlHeaders: { Authorization: `Bearer ${auth.demoKeys.keys[0]?.key}` } } : {}),
    zep: zep.options,
    logger,
    providerTimeoutMs: config.providerTimeoutMs,
    requestDeadlineMs: config.requestDeadlineMs,
    maxRequestDeadlineMs: config.maxRequestDeadlineMs,
    cache,
    policy: {
      retry: { maxAttempts: config.policy.retryMaxAttempts },
      breaker: { consecutiveFailures: config.policy.breakerConsecutiveFailures, halfOpenAfterMs: config.policy.breakerHalfOpenAfterMs },
    },
    ...(config.rateLimit.max > 0 ? { rateLimit: { max: config.rateLimit.max, windowMs: config.rateLimit.windowMs, ...(redis ? { redis } : {}) } } : {}),
    ...(config.loadSheddingMaxEventLoopDelayMs > 0 || config.loadSheddingMaxEventLoopUtilization > 0
      ? { loadShedding: { maxEventLoopDelayMs: config.loadSheddingMaxEventLoopDelayMs, maxEventLoopUtilization: config.loadSheddingMaxEventLoopUtilization } }
      : {}),
    bodyLimit: config.bodyLimitBytes,
    tokenizer: config.tokenizer,
    persistedDocuments: { manifest: demoPersistedDocuments, only: config.persistedOnly, apqCacheMaxBytes: config.documentCaches.apqMaxBytes },
    http: config.http,
    documentCaches: { maxBytes: config.documentCaches.parseMaxBytes },
    ...(redis ? { redis } : {}),
    ...(config.outbox.worker
      ? {
          outboxWorker: {
            pollIntervalMs: config.outbox.pollIntervalMs,
            batchSize: config.outbox.batchSize,
            concurrency: config.outbox.concurrency,
            leaseMs: config.outbox.leaseMs,
            backoff: { initialMs: config.outbox.backoffInitialMs, maxMs: config.outbox.backoffMaxMs },
            policy: {
              timeoutMs: outboxRoundMs(config),
              // No retry inside a round: a retried round could outlive its lease; the worker retries
              // failed entries itself, with backoff, under a new claim.
              retry: { maxAttempts: 0 },
              breaker: { consecutiveFailures: config.policy.breakerConsecutiveFailures, halfOpenAfterMs: config.policy.breakerHalfOpenAfterMs },
            },
          },
        }
      : {}),
  });
  return {
    engram,
    demoKeys: auth.demoKeys,
    close: async () => {
      await engram.close();
      logger.debug('http server and providers closed');
      await zep.emulator?.close();
      redis?.close();
      await database.close();
    },
  };
}
