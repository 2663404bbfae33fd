import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoContexts } from '../../src/demo/index.js';
import { zepUser } from '../support/fixture-contexts.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';


const ZEP_TIMEOUT_MS = 300;
let database: TestDatabase;
let zep: TestZep;
let server: TestServer;

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep({ timeoutMs: ZEP_TIMEOUT_MS, maxRetries: 0 })]);
  // The source budget is far above the Zep timeout, so that a slow Zep is cut by the Zep timeout alone.
  server = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, definitions: [...demoContexts, zepUser], providerTimeoutMs: 8_000 });
});

afterEach(() => {
  zep.emulator.faults.reset();
  zep.emulator.resetStats();
});

afterAll(async () => {
  await server?.close();
  await zep?.close();
  await database?.close();
});


describe('Zep hot memory with Postgres fallback, over GraphQL', () => {
  it('serves userFacts from Zep: 10 fields over 4 distinct users cost 4 Zep calls, not 10', async () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u1', 'u2', 'u3', 'u4', 'u1', 'u2'];
    const { body } = await server.graphql(`{ ${users.map((u, i) => `f${i}: userFacts(userId: "${u}", limit: 2) { fact }`).join(' ')} }`);
    expect(body.errors).toBeUndefined();
    expect(zep.emulator.stats().byRoute).toEqual({ 'POST /graph/search': 4 });
    expect(body.data?.['f0']).toEqual(body.data?.['f4']);
    expect((body.data?.['f0'] as Array<{ fact: string }> | undefined)?.map((f) => f.fact)).toEqual([
      'Ada is on the free plan.',
      'Ada lives in the Europe/London time zone.',
    ]);
    const provenance = body.extensions?.['contexts'] as Record<string, { provider: string; fallback: boolean }>;
    expect(Object.values(provenance).every((p) => p.provider === 'zep' && !p.fallback)).toBe(true);
  });

  it('serves threadContext and threadMessages from Zep while it is up', async () => {
    const { body } = await server.graphql('{ threadContext(threadId: "t1") { threadId context } threadMessages(threadId: "t1", lastN: 2) { role content } }');
    expect(body.errors).toBeUndefined();
    expect(body.data?.['threadContext']).toMatchObject({ threadId: 't1', context: expect.stringContaining('Ada prefers green tea in the morning.') });
    expect(body.data?.['threadMessages']).toEqual([
      { role: 'user', content: 'Thanks! Also, I usually drink green tea while coding.' },
      { role: 'assistant', content: "Noted. I'll remember that you like green tea." },
    ]);
    expect(body.extensions?.['contexts']).toMatchObject({
      threadContext: { provider: 'zep', operation: 'threadContext', fallback: false },
      threadMessages: { provider: 'zep', operation: 'threadMessages', fallback: false },
    });
  });

  it('falls back to Postgres during a Zep outage and says so in provenance', async () => {
    zep.emulator.faults.set({ outage: true });
    const { body } = await server.graphql('{ threadContext(threadId: "t1") { context } userFacts(userId: "u1", limit: 1) { fact } threadMessages(threadId: "t1", lastN: 1) { content } }');
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      threadContext: { context: expect.stringContaining('  - Ada prefers green tea in the morning. (Date range: 2026-01-01T09:00:00.000Z - present)') },
      userFacts: [{ fact: 'Ada is on the free plan.' }],
      threadMessages: [{ content: "Noted. I'll remember that you like green tea." }],
    });
    for (const path of ['threadContext', 'userFacts', 'threadMessages']) {
      expect((body.extensions?.['contexts'] as Record<string, unknown> | undefined)?.[path]).toMatchObject({
        provider: 'postgres',
        fallback: true,
        fallbackReason: 'PROVIDER_UNAVAILABLE',
        attempts: [{ provider: 'zep', error: 'PROVIDER_UNAVAILABLE' }, { provider: 'postgres' }],
      });
    }
  });

  it('falls back within the Zep timeout when Zep is slow, not after the SDK default of 60 s', async () => {
    // Zep would answer after 30 s and the source budget is 8 s: a fallback within seconds is the
    // Zep timeout's doing.
    zep.emulator.faults.set({ latencyMs: 30_000 });
    const started = performance.now();
    const { body } = await server.graphql('{ threadContext(threadId: "t2") { context } }');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(ZEP_TIMEOUT_MS - 20);
    expect(elapsed).toBeLessThan(5_000);
    expect(body.data?.['threadContext']).toEqual({ context: expect.stringContaining('Grace prefers espresso in the morning.') });
    expect(body.extensions?.['contexts']).toMatchObject({ threadContext: { provider: 'postgres', fallback: true, fallbackReason: 'PROVIDER_TIMEOUT' } });
  });

  it('treats "not found" in Zep as absent data (null), not as a failure to fall back from', async () => {
    const { body } = await server.graphql('{ threadMessages(threadId: "no-such-thread") { id } zepUser(userId: "nobody") { id } }');
    expect(body).toMatchObject({ data: { threadMessages: null, zepUser: null } });
    expect(body.errors).toBeUndefined();
    expect(body.extensions?.['contexts']).toMatchObject({ threadMessages: { provider: 'zep', fallback: false } });
  });

  it('reports the typed error code when every source fails, keeping the other fields', async () => {
    zep.emulator.faults.set({ outage: true });
    const down = await server.graphql('{ userProfile(userId: "u3") { id } zepUser(userId: "u3") { id } }');
    expect(down.body.data).toEqual({ userProfile: { id: 'u3' }, zepUser: null });
    expect(down.body.errors).toEqual([
      expect.objectContaining({ path: ['zepUser'], extensions: expect.objectContaining({ code: 'PROVIDER_UNAVAILABLE', provider: 'zep', operation: 'user' }) }),
    ]);
    expect(down.body.errors?.[0]?.message).toBe('Provider "zep" is unavailable for "user": Zep answered 503.');

    zep.emulator.faults.set({ outage: false, latencyMs: 5000 });
    const slow = await server.graphql('{ zepUser(userId: "u3") { id } }');
    expect(slow.body.errors?.[0]?.extensions?.['code']).toBe('PROVIDER_TIMEOUT');
  });
});
