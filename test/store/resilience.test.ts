import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoContexts } from '../../src/demo/index.js';
import { zepUser } from '../support/fixture-contexts.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';


// Long enough that a loaded machine does not half-open the breaker between two requests of one test.
const HALF_OPEN_AFTER_MS = 2_000;
// Well below the Zep and source timeouts (3 s) so that the deadline is what ends a slow request,
// and long enough for Postgres to answer on a loaded machine.
const DEADLINE_MS = 2_000;
let database: TestDatabase;
let zep: TestZep;
let server: TestServer;

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep({ timeoutMs: 3000, maxRetries: 0 })]);
  server = await startTestServer({
    db: database.db, pool: database.pool,
    zep: zep.options,
    definitions: [...demoContexts, zepUser],
    providerTimeoutMs: 3000,
    policy: { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS } },
  });
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

async function rest(path: string, headers: Record<string, string> = {}) {
  const started = performance.now();
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, elapsed: performance.now() - started };
}

describe('provider policies (cockatiel) against the Zep emulator', () => {
  it('opens the breaker after consecutive failures, falls back without calling Zep, and closes after a half-open probe', async () => {
    zep.emulator.faults.set({ outage: true });
    for (let i = 0; i < 3; i++) {
      const { body } = await rest('/api/v1/context/threadContext?threadId=t1');
      expect(body['meta']).toMatchObject({ provider: 'postgres', fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE' });
    }
    expect(server.engram.store.breakerState('zep')).toBe('open');
    expect(zep.emulator.stats().total).toBe(3);

    // Open: the primary is skipped at once; Zep sees no call at all.
    const open = await server.graphql('{ zepUser(userId: "u1") { id } threadContext(threadId: "t1") { threadId } }');
    expect(open.body.errors?.[0]?.message).toBe('Provider "zep" is unavailable for "user": its circuit breaker is open.');
    expect(open.body.data?.['threadContext']).toEqual({ threadId: 't1' });
    expect(zep.emulator.stats().total).toBe(3);

    // Zep recovers; after halfOpenAfter one probe goes through and closes the breaker.
    zep.emulator.faults.reset();
    await sleep(HALF_OPEN_AFTER_MS + 50);
    const probe = await rest('/api/v1/context/threadContext?threadId=t1');
    expect(probe.body['meta']).toMatchObject({ provider: 'zep', fallback: false });
    expect(server.engram.store.breakerState('zep')).toBe('closed');
  });

  it('during an outage a request serves the fallback within its deadline', async () => {
    zep.emulator.faults.set({ outage: true, latencyMs: 100 });
    const { status, body } = await rest('/api/v1/context/userFacts?userId=u2&limit=1', { 'x-engram-deadline-ms': String(DEADLINE_MS) });
    // A request past its deadline answers 504 DEADLINE_EXCEEDED: 200 with the fallback is the proof.
    expect(status).toBe(200);
    expect(body).toMatchObject({ data: [{ fact: 'Grace is on the pro plan.' }], meta: { provider: 'postgres', fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE' } });
    expect(zep.emulator.stats().total).toBe(1);
  });

  it('returns partial results at the deadline: late fields get DEADLINE_EXCEEDED, the others keep their data', async () => {
    // Zep would answer after 30 s and time out after 3 s: DEADLINE_EXCEEDED (not PROVIDER_TIMEOUT) says
    // the deadline ended the request.
    zep.emulator.faults.set({ latencyMs: 30_000 });
    const started = performance.now();
    const response = await fetch(`${server.url}/api/v1/context/zepUser?userId=u1`, { headers: { 'x-engram-deadline-ms': String(DEADLINE_MS) } });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: { code: 'DEADLINE_EXCEEDED', message: `The request deadline of ${DEADLINE_MS} ms was exceeded.` } });
    expect(elapsed).toBeGreaterThanOrEqual(DEADLINE_MS - 50);

    const partial = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-engram-deadline-ms': String(DEADLINE_MS) },
      body: JSON.stringify({ query: '{ userProfile(userId: "u1") { id } zepUser(userId: "u1") { id } }' }),
    });
    const body = (await partial.json()) as { data: unknown; errors: Array<{ path: string[]; extensions: { code: string } }> };
    expect(body.data).toEqual({ userProfile: { id: 'u1' }, zepUser: null });
    expect(body.errors.map((e) => [e.path, e.extensions.code])).toEqual([[['zepUser'], 'DEADLINE_EXCEEDED']]);
  });
});

describe('retry policy', () => {
  let retrying: TestServer;

  beforeAll(async () => {
    retrying = await startTestServer({
      db: database.db, pool: database.pool,
      zep: zep.options,
      definitions: [...demoContexts, zepUser],
      providerTimeoutMs: 3000,
      // A far cap on the backoff, so that waiting for it would show.
      policy: { retry: { maxAttempts: 1, initialDelayMs: 10, maxDelayMs: 30_000 }, breaker: { consecutiveFailures: 100 } },
    });
  });

  afterAll(async () => {
    await retrying?.close();
  });

  it('retries a failed batch once, waiting as long as Retry-After asks', async () => {
    // errorRate 0.5 fails every second request: the priming call passes, the next one fails.
    zep.emulator.faults.set({ errorRate: 0.5, statusCode: 503, retryAfterSeconds: 1 });
    const priming = await fetch(`${retrying.url}/api/v1/context/zepUser?userId=u2`);
    expect(priming.status).toBe(200);
    zep.emulator.resetStats();

    const started = performance.now();
    const response = await fetch(`${retrying.url}/api/v1/context/zepUser?userId=u3`);
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { id: 'u3' }, meta: { provider: 'zep', fallback: false } });
    expect(zep.emulator.stats().total).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1000 + 5_000);
  });
});
