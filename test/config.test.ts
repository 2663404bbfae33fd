import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
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
});
