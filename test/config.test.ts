import { describe, expect, it } from 'vitest';
import { loadConfig, outboxRoundMs } from '../src/config.js';
import { ConfigError } from '../src/errors/index.js';

describe('loadConfig', () => {
  it('defaults to the embedded database, the Zep emulator and port 4000', () => {
    expect(loadConfig({})).toMatchObject({
      port: 4000,
      database: { kind: 'pglite', dir: '.engram/pglite' },
      seedDemo: true,
      zep: { kind: 'emulator' },
    });
  });

  it('uses real services when configured, and treats empty variables as unset', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db:5432/engram', ZEP_API_KEY: 'z_key', ZEP_BASE_URL: '', PORT: '8080' });
    expect(config).toMatchObject({
      port: 8080,
      database: { kind: 'postgres', url: 'postgres://db:5432/engram' },
      seedDemo: false,
      zep: { kind: 'cloud', apiKey: 'z_key', baseUrl: undefined },
    });
  });

  it('counts bundle tokens with o200k_base unless TOKENIZER names cl100k_base, and refuses other encodings', () => {
    expect(loadConfig({}).tokenizer).toBe('o200k_base');
    expect(loadConfig({ TOKENIZER: 'cl100k_base' }).tokenizer).toBe('cl100k_base');
    expect(() => loadConfig({ TOKENIZER: 'p50k_base' })).toThrow(
      'Invalid configuration:\n  - TOKENIZER: Invalid option: expected one of "o200k_base"|"cl100k_base" (received "p50k_base")',
    );
  });

  it('lists every invalid variable with the reason, without echoing secrets', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://secret@db/x', ZEP_TIMEOUT_MS: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'Invalid configuration:\n' +
        '  - PORT: Invalid input: expected number, received NaN (received "eighty")\n' +
        '  - DATABASE_URL: must be a postgres:// or postgresql:// URL\n' +
        '  - ZEP_TIMEOUT_MS: Too small: expected number to be >=1 (received "0")',
    );
  });

  it('has explicit, bounded defaults for pools, Redis, HTTP connections and caches', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db:5432/engram', REDIS_URL: 'redis://cache:6379' })).toMatchObject({
      database: { kind: 'postgres', connectTimeoutMs: 5000, idleTimeoutMs: 30_000, statementTimeoutMs: 5000 },
      redisCommandTimeoutMs: 100,
      cache: { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 },
      documentCaches: { parseMaxBytes: 32 * 1024 * 1024, apqMaxBytes: 8 * 1024 * 1024 },
      http: { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 72_000, maxConnections: 1000 },
      loadSheddingMaxEventLoopUtilization: 0,
      policy: { breakerHalfOpenAfterMs: 1000 },
    });
  });

  it('refuses a headers timeout longer than the request timeout, and a utilization outside 0–1', () => {
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '10000' })).toThrow(
      'Invalid configuration:\n  - HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS (received "10000")',
    );
    expect(() => loadConfig({ LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION: '1.5' })).toThrow(
      'LOAD_SHEDDING_MAX_EVENT_LOOP_UTILIZATION: Too big: expected number to be <=1 (received "1.5")',
    );
  });

  it('configures the outbox worker, keeps a round inside the lease, and refuses a lease shorter than one delivery', () => {
    expect(loadConfig({}).outbox).toEqual({ worker: true, pollIntervalMs: 1000, batchSize: 32, concurrency: 8, leaseMs: 60_000, backoffInitialMs: 500, backoffMaxMs: 5000 });
    expect(loadConfig({ OUTBOX_WORKER: 'off' }).outbox.worker).toBe(false);
    expect(outboxRoundMs(loadConfig({}))).toBe(22_000);
    expect(outboxRoundMs(loadConfig({ ZEP_TIMEOUT_MS: '10000' }))).toBe(59_000);
    expect(() => loadConfig({ OUTBOX_LEASE_MS: '6000' })).toThrow(
      'OUTBOX_LEASE_MS: must exceed one delivery to Zep by a second (ZEP_TIMEOUT_MS × 3 + 2 s = 6500 ms), or a delivery could outlive its claim (received "6000").',
    );
  });
});
