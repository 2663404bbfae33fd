import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, Authenticator, Scopes, type Principal } from '../../src/auth/index.js';
import { ServiceUnavailableError } from '../../src/errors/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ seed: false });
});

afterAll(async () => {
  await database?.close();
});

const refusal = (result: Principal | { refused: string }): string | undefined => ('refused' in result ? result.refused : undefined);

describe('ApiKeyStore', () => {
  it('creates a key whose secret is shown once and stored only as a hash', async () => {
    const store = new ApiKeyStore(database.db);
    const { key, info } = await store.create({ tenant: 'acme', subject: 'agent-1', scopes: [Scopes.readAny], name: 'support agent' });
    expect(key).toMatch(/^egk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ tenant: 'acme', subject: 'agent-1', scopes: ['context:read:any'], name: 'support agent', expiresAt: null, revokedAt: null });
    const secret = key.slice(21);
    const { rows } = await sql<{ row: string }>`select row_to_json(api_keys)::text as row from api_keys where id = ${info.id}`.execute(database.db);
    expect(rows[0]?.row).not.toContain(secret);
    expect(JSON.stringify(await store.list('acme'))).not.toContain(secret);

    const principal = await store.verify(key);
    expect(principal).toMatchObject({ tenant: 'acme', subject: 'agent-1', via: 'api-key' });
    expect([...(principal as Principal).scopes]).toEqual(['context:read:any']);
  });

  it('records when a key was last used', async () => {
    const store = new ApiKeyStore(database.db);
    const { key, info } = await store.create({ tenant: 'acme', subject: 'agent-2', scopes: [], name: 'usage' });
    expect((await store.list('acme')).find((k) => k.id === info.id)?.lastUsedAt).toBeNull();
    await store.verify(key);
    for (let i = 0; i < 100 && !(await store.list('acme')).find((k) => k.id === info.id)?.lastUsedAt; i++) await sleep(50);
    expect((await store.list('acme')).find((k) => k.id === info.id)?.lastUsedAt).toBeInstanceOf(Date);
  });

  it('refuses unknown, forged, malformed and expired keys with the same words for unknown and forged', async () => {
    const store = new ApiKeyStore(database.db);
    const { key } = await store.create({ tenant: 'acme', subject: 'agent-3', scopes: [], name: 'forgery target' });
    expect(refusal(await store.verify(`egk_ffffffffffffffff_${'a'.repeat(43)}`))).toBe('The API key is not valid.');
    expect(refusal(await store.verify(`${key.slice(0, 21)}${'b'.repeat(43)}`))).toBe('The API key is not valid.');
    expect(refusal(await store.verify('egk_short'))).toBe('The API key is malformed (expected egk_<16 hex>_<43 base64url>).');
    const expired = await store.create({ tenant: 'acme', subject: 'agent-4', scopes: [], name: 'old', expiresAt: new Date(Date.now() - 1000) });
    expect(refusal(await store.verify(expired.key))).toBe('The API key has expired.');
  });

  it('stops accepting a revoked key within its cache TTL, on every instance', async () => {
    const instanceA = new ApiKeyStore(database.db, { cacheTtlMs: 200 });
    const instanceB = new ApiKeyStore(database.db, { cacheTtlMs: 200 });
    const { key, info } = await instanceA.create({ tenant: 'acme', subject: 'agent-5', scopes: [], name: 'to revoke' });
    expect(refusal(await instanceB.verify(key))).toBeUndefined();
    expect(await instanceA.revoke(info.id)).toBe(true);
    expect(await instanceA.revoke(info.id)).toBe(false);
    expect(refusal(await instanceA.verify(key))).toBe('The API key has been revoked.');
    // Instance B trusted its lookup for up to 200 ms; after that it asks the database again.
    await sleep(250);
    expect(refusal(await instanceB.verify(key))).toBe('The API key has been revoked.');
    expect((await instanceA.list('acme')).find((k) => k.id === info.id)?.revokedAt).toBeInstanceOf(Date);
  });

  it('looks a key up once for concurrent requests, and made-up ids never evict a real key from the cache', async () => {
    const store = new ApiKeyStore(database.db, { cacheMaxEntries: 5 });
    const { key } = await store.create({ tenant: 'acme', subject: 'agent-7', scopes: [], name: 'cached' });
    const before = database.statements();
    const answers = await Promise.all(Array.from({ length: 10 }, () => store.verify(key)));
    expect(answers.every((a) => !('refused' in a))).toBe(true);
    // One lookup (and the throttled last-used write, at most one).
    expect(database.statements() - before).toBeLessThanOrEqual(2);

    for (let i = 0; i < 20; i++) await store.verify(`egk_${i.toString(16).padStart(16, 'a')}_${'z'.repeat(43)}`);
    const afterFlood = database.statements();
    expect(refusal(await store.verify(key))).toBeUndefined();
    expect(database.statements()).toBe(afterFlood);
  });

  it('refuses a cache TTL over 30 s (revocation must take effect within 30 s)', () => {
    expect(() => new ApiKeyStore(database.db, { cacheTtlMs: 60_000 })).toThrow('ApiKeyStore: cacheTtlMs must be 0–30000, received 60000');
  });

  it('turns a key store that cannot be reached into SERVICE_UNAVAILABLE, not a bad key', async () => {
    const gone = await createTestDatabase({ seed: false });
    const store = new ApiKeyStore(gone.db);
    const { key } = await store.create({ tenant: 'acme', subject: 'agent-6', scopes: [], name: 'unreachable' });
    await gone.close();
    const authenticator = new Authenticator({ mode: 'required', apiKeys: new ApiKeyStore(gone.db) });
    const error = await authenticator.authenticate(`Bearer ${key}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as ServiceUnavailableError).message).toBe('API keys cannot be checked right now; retry later.');
  });
});
