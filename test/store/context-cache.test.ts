import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Authenticator } from '../../src/auth/index.js';
import { defineContext, id } from '../../src/context/index.js';
import { globexDemo } from '../../src/demo/index.js';
import { demoContexts } from '../../src/demo/index.js';
import { zepOps } from '../../src/providers/zep/index.js';
import { MemoryContextCache, RedisContextCache, type ContextCache } from '../../src/store/index.js';
import { bearer, createTestKeys, type TestKeys } from '../support/test-credentials.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

// Long enough that a loaded machine does not expire an entry between two requests of one test.
const TTL_MS = 2_000;

/** Zep-only, cached for 2 s, served stale for up to a minute when Zep fails. */
const cachedZepUser = defineContext({
  name: 'cachedZepUser',
  description: 'A Zep user record, cached.',
  args: z.object({ userId: id() }),
  output: z.object({ id: id(), email: z.string().nullable() }).nullable(),
  sources: (from) => [from(zepOps.user, { key: (a) => a.userId })],
  cache: { ttlSeconds: TTL_MS / 1000, staleIfErrorSeconds: 60 },
  access: { owner: (a) => a.userId },
});

const redisUrl = process.env['TEST_REDIS_URL'];
// CI sets TEST_REDIS_URL (Redis runs on every machine of this project); without it the Redis
// suite is reported as skipped, with the reason in its name.
const kinds: Array<{ kind: string; makeCache: () => ContextCache; skipReason?: string }> = [
  { kind: 'in-process LRU', makeCache: () => new MemoryContextCache() },
  {
    kind: 'Redis',
    makeCache: () => new RedisContextCache({ url: redisUrl ?? '', prefix: `engram-test:${process.pid}:${Date.now()}:` }),
    ...(redisUrl ? {} : { skipReason: 'TEST_REDIS_URL is not set' }),
  },
];

let database: TestDatabase;
let zep: TestZep;
let keys: TestKeys;

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep({ timeoutMs: 1000, maxRetries: 0 })]);
  keys = await createTestKeys(database.db);
});

afterAll(async () => {
  await zep?.close();
  await database?.close();
});

for (const { kind, makeCache, skipReason } of kinds) {
describe.skipIf(skipReason !== undefined)(`cross-request cache: ${kind}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      db: database.db, pool: database.pool,
      zep: zep.options,
      definitions: [...demoContexts, cachedZepUser],
      cache: makeCache(),
      auth: new Authenticator({ mode: 'required', apiKeys: keys.store }),
    });
  });

  afterEach(() => {
    zep.emulator.faults.reset();
    zep.emulator.resetStats();
  });

  afterAll(async () => {
    await server?.close();
  });

  const ask = async (userId: string, key = keys.acmeAgent, extraHeaders: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(key), ...extraHeaders },
      body: JSON.stringify({ query: `{ a: cachedZepUser(userId: "${userId}") { id email } b: cachedZepUser(userId: "${userId}") { id } }` }),
    });
    return (await response.json()) as { data: Record<string, unknown>; errors?: Array<{ extensions: { code: string } }>; extensions: { contexts: Record<string, Record<string, unknown>> } };
  };

  it('serves a repeat within the TTL from the cache, without calling the provider', async () => {
    const first = await ask('u5');
    expect(first.data['a']).toEqual({ id: 'u5', email: 'barbara@example.com' });
    expect(first.extensions.contexts['a']).toMatchObject({ provider: 'zep', cached: false });
    expect(zep.emulator.stats().total).toBe(1);

    const second = await ask('u5');
    expect(second.data).toEqual(first.data);
    expect(second.extensions.contexts['a']).toMatchObject({ provider: 'zep', cached: true, stale: false });
    expect(zep.emulator.stats().total).toBe(1);
  });

  it('scopes entries by verified tenant: globex\'s u6 is its own, right after acme\'s u6 filled the cache', async () => {
    const acme = await ask('u6', keys.acmeAgent);
    expect(acme.data['a']).toEqual({ id: 'u6', email: 'donald@example.com' });
    const globex = await ask('u6', keys.globexAgent);
    expect(globex.data['a']).toEqual({ id: 'u6', email: globexDemo.users[5]?.email });
    expect(globex.extensions.contexts['a']).toMatchObject({ cached: false });
    expect(zep.emulator.stats().total).toBe(2);
    // Within a tenant, the entry is shared by every principal allowed to read it (rules run first).
    const agentAgain = await ask('u6', keys.acmeAgent);
    expect(agentAgain.extensions.contexts['a']).toMatchObject({ cached: true });
  });

  it('gives globex\'s u1 globex\'s profile right after acme\'s u1 filled the cache with theirs', async () => {
    const read = async (key: string) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(key) },
        body: JSON.stringify({ query: '{ userProfile(userId: "u1") { displayName } }' }),
      });
      return (await response.json()) as { data: { userProfile: { displayName: string } }; extensions: { contexts: Record<string, { cached: boolean }> } };
    };
    expect((await read(keys.acmeU1)).data.userProfile.displayName).toBe('Ada Lovelace');
    expect((await read(keys.acmeU1)).extensions.contexts['userProfile']?.cached).toBe(true);
    const globex = await read(keys.globexU1);
    expect(globex.data.userProfile.displayName).toBe(`${globexDemo.users[0]?.firstName} ${globexDemo.users[0]?.lastName}`);
    expect(globex.extensions.contexts['userProfile']?.cached).toBe(false);
  });

  it('ignores a spoofed x-engram-principal: the verified key alone decides whose entry is read', async () => {
    await ask('u4', keys.acmeAgent);
    const spoofed = await ask('u4', keys.globexAgent, { 'x-engram-principal': 'acme' });
    expect(spoofed.data['a']).toEqual({ id: 'u4', email: globexDemo.users[3]?.email });
    expect(spoofed.extensions.contexts['a']).toMatchObject({ cached: false });
  });

  it('checks the access rule before the cache: u1 cannot read u2\'s entry that an agent cached', async () => {
    await ask('u2', keys.acmeAgent);
    const denied = await ask('u2', keys.acmeU1);
    expect(denied.data['a']).toBeNull();
    expect(denied.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(zep.emulator.stats().total).toBe(1);
  });

  it('serves a stale value, marked stale with its age, when every source fails after the TTL', async () => {
    await ask('u7');
    await sleep(TTL_MS + 50);
    zep.emulator.faults.set({ outage: true });
    const stale = await ask('u7');
    expect(stale.errors).toBeUndefined();
    expect(stale.data['a']).toEqual({ id: 'u7', email: 'margaret@example.com' });
    expect(stale.extensions.contexts['a']).toMatchObject({ cached: true, stale: true, error: 'PROVIDER_UNAVAILABLE' });
    expect(stale.extensions.contexts['a']?.['ageMs']).toBeGreaterThanOrEqual(TTL_MS);

    // Never seen before: nothing to serve, the error comes through.
    const miss = await ask('u8');
    expect(miss.data['a']).toBeNull();
    expect(miss.errors?.[0]?.extensions.code).toBe('PROVIDER_UNAVAILABLE');
  });
});
}
