import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/auth/index.js';
import { ensureDemoKeys } from '../../src/demo/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  [database, dir] = await Promise.all([createTestDatabase({ seed: false }), mkdtemp(join(tmpdir(), 'engram-demo-keys-'))]);
});

afterAll(async () => {
  await database?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('demo API keys', () => {
  it('keeps working keys across restarts, and revokes a lost set when it makes a new one', async () => {
    const keys = new ApiKeyStore(database.db, { cacheTtlMs: 0 });
    const file = join(dir, 'demo-keys.json');
    const first = await ensureDemoKeys(keys, file);
    expect(first.created).toBe(true);
    expect(first.keys.map((k) => `${k.tenant}/${k.subject}`)).toEqual(['acme/demo-agent', 'acme/u1', 'globex/demo-agent', 'acme/demo-admin']);

    const again = await ensureDemoKeys(keys, file);
    expect(again).toEqual({ keys: first.keys, created: false });

    // The file is lost: a new set, and nobody can use the old one any more.
    await rm(file);
    const renewed = await ensureDemoKeys(keys, file);
    expect(renewed.created).toBe(true);
    for (const old of first.keys) expect(await keys.verify(old.key)).toEqual({ refused: 'The API key has been revoked.' });
    for (const key of renewed.keys) expect(await keys.verify(key.key)).toMatchObject({ via: 'api-key' });
  });
});
