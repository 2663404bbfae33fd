import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore, Authenticator, Scopes } from '../../src/auth/index.js';
import { sample } from '../support/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let zep: TestZep;
let server: TestServer;
let apiKeys: ApiKeyStore;

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
  apiKeys = new ApiKeyStore(database.db);
  server = await startTestServer({
    db: database.db, pool: database.pool,
    zep: zep.options,
    rateLimit: { max: 5, windowMs: 60_000 },
    limits: { maxCost: 1500 },
    auth: new Authenticator({ mode: 'required', apiKeys }),
  });
});

afterAll(async () => {
  await server?.close();
  await zep?.close();
  await database?.close();
});

/** A real API key per client (subject) of tenant acme, so that each test has its own rate-limit budget. */
const keys = new Map<string, Promise<string>>();
function keyOf(subject: string, scopes: string[] = [Scopes.admin, Scopes.readAny]): Promise<string> {
  let key = keys.get(subject);
  if (!key) {
    key = apiKeys.create({ tenant: 'acme', subject, scopes, name: subject }).then((created) => created.key);
    keys.set(subject, key);
  }
  return key;
}

const asPrincipal = async (subject: string) => ({
  'content-type': 'application/json',
  accept: 'application/graphql-response+json',
  authorization: `Bearer ${await keyOf(subject)}`,
});

describe('operations: metrics, providers query, rate limits, body limits', () => {
  it('exposes provider counters at /metrics that match the calls made', async () => {
    zep.emulator.resetStats();
    const headers = await asPrincipal('metrics');
    const postgresCalls = async () => sample(await (await fetch(`${server.url}/metrics`)).text(), 'engram_provider_calls_total', { provider: 'postgres' });
    const postgresBefore = await postgresCalls();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ a: userFacts(userId: "u1") { id } b: userFacts(userId: "u2") { id } c: userFacts(userId: "u1") { id } p: userProfile(userId: "u1") { id } }' }),
    });
    expect(response.status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const zepCalls = zep.emulator.stats().total;
    expect(zepCalls).toBe(2);
    expect(sample(text, 'engram_provider_calls_total', { provider: 'zep' })).toBe(zepCalls);
    // One userProfile statement for the request (batching itself is proven from the database side in context-fields.test.ts).
    expect(sample(text, 'engram_provider_calls_total', { provider: 'postgres' }) - postgresBefore).toBe(1);
    expect(sample(text, 'engram_provider_batches_total', { provider: 'zep', operation: 'userFacts' })).toBe(1);
    expect(sample(text, 'engram_provider_keys_total', { provider: 'zep', operation: 'userFacts' })).toBe(2);
    expect(sample(text, 'engram_provider_batch_size_count', { provider: 'postgres', operation: 'userProfile' })).toBe(1);
    expect(sample(text, 'engram_provider_breaker_state', { provider: 'zep' })).toBe(0);
    expect(sample(text, 'engram_http_requests_total', { method: 'POST', route: '/graphql', status: '200' })).toBe(1);
  });

  it('counts provider errors by code and fallbacks by reason', async () => {
    zep.emulator.faults.set({ outage: true });
    try {
      await fetch(`${server.url}/api/v1/context/threadContext?threadId=t3`, { headers: await asPrincipal('metrics') });
    } finally {
      zep.emulator.faults.reset();
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, 'engram_provider_errors_total', { provider: 'zep', operation: 'threadContext', code: 'PROVIDER_UNAVAILABLE' })).toBe(1);
    expect(sample(text, 'engram_fallbacks_total', { context: 'threadContext', from: 'zep', reason: 'PROVIDER_UNAVAILABLE' })).toBe(1);
  });

  it('answers the providers query only to engram:admin, and checks health once per request', async () => {
    const reader = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await keyOf('reader', [Scopes.readAny])}` },
      body: JSON.stringify({ query: '{ providers { name } }' }),
    });
    const denied = (await reader.json()) as { data: { providers: unknown }; errors: Array<{ message: string; extensions: { code: string } }> };
    expect(denied.data.providers).toBeNull();
    expect(denied.errors[0]).toMatchObject({ message: 'Reading "providers" requires the scope "engram:admin".', extensions: { code: 'FORBIDDEN' } });

    zep.emulator.resetStats();
    const aliases = Array.from({ length: 10 }, (_, i) => `p${i}: providers { health { ok } }`).join(' ');
    const admin = await fetch(`${server.url}/graphql`, { method: 'POST', headers: await asPrincipal('health'), body: JSON.stringify({ query: `{ ${aliases} }` }) });
    expect(admin.status).toBe(200);
    // One health call to Zep (GET /users/__engram_health__) for ten aliases.
    expect(zep.emulator.stats().byRoute).toEqual({ 'GET /users/:userId': 1 });
  });

  it('reports each provider with its counters, breaker state and health', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: await asPrincipal('providers'),
      body: JSON.stringify({ query: '{ providers { name breaker calls operations { operation batches keys } health { ok } } }' }),
    });
    const body = (await response.json()) as { data: { providers: Array<{ name: string; breaker: string; calls: number; health: { ok: boolean } }> } };
    expect(body.data.providers.map((p) => [p.name, p.breaker, p.health.ok])).toEqual([
      ['zep', 'closed', true],
      ['postgres', 'closed', true],
    ]);
    const headers = await asPrincipal('providers');
    const counters = async () => {
      const answer = await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ providers { name calls } }' }) });
      const { data } = (await answer.json()) as { data: { providers: Array<{ name: string; calls: number }> } };
      return Object.fromEntries(data.providers.map((p) => [p.name, p.calls]));
    };
    zep.emulator.resetStats();
    const before = await counters();
    await fetch(`${server.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: '{ p: userProfile(userId: "u3") { id } f: userFacts(userId: "u3") { id } }' }) });
    const after = await counters();
    // One statement and one Zep call, as the emulator saw it.
    expect(zep.emulator.stats().total).toBe(1);
    expect({ zep: (after['zep'] ?? 0) - (before['zep'] ?? 0), postgres: (after['postgres'] ?? 0) - (before['postgres'] ?? 0) }).toEqual({ zep: 1, postgres: 1 });
  });

  it('rate-limits per verified principal with 429 and Retry-After; rotating headers does not escape it', async () => {
    const call = async (subject: string, extra: Record<string, string> = {}) =>
      fetch(`${server.url}/api/v1/context/userProfile?userId=u1`, { headers: { ...(await asPrincipal(subject)), ...extra } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await call('greedy')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await call('greedy');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^Rate limit of 5 requests per 60 s exceeded; retry in \d+ s\.$/) } });
    // Headers a client controls take no part in the key.
    const rotations: Array<Record<string, string>> = [{ 'x-engram-principal': 'someone-else' }, { 'x-forwarded-for': '203.0.113.9' }, { 'user-agent': 'rotated/1.0' }, { 'x-request-id': 'fresh' }];
    for (const extra of rotations) {
      expect((await call('greedy', extra)).status).toBe(429);
    }
    expect((await call('polite')).status).toBe(200);
    for (let i = 0; i < 8; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('counts refused credentials against the client address, before answering 401', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${server.url}/api/v1/context/userProfile?userId=u1`, { headers: { authorization: `Bearer egk_0000000000000000_${'A'.repeat(43)}` } });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('rejects an alias bomb before execution, with the limit and what it found', async () => {
    const before = server.engram.store.provider('postgres')?.stats().calls;
    const bomb = `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: userProfile(userId: "u1") { id }`).join(' ')} }`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: await asPrincipal('bomb'), body: JSON.stringify({ query: bomb }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string }> };
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'Query limit: Aliases limit of 64 exceeded, found 100.', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
    ]);
    expect(server.engram.store.provider('postgres')?.stats().calls).toBe(before);
  });

  it('rejects a document over the token limit before parsing it whole', async () => {
    const noisy = `{ userProfile(userId: "u1") { ${Array.from({ length: 4500 }, () => 'id').join(' ')} } }`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: await asPrincipal('tokens'), body: JSON.stringify({ query: noisy }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toBe('Syntax Error: Token limit of 4000 exceeded.');
  });

  it('rejects a document that is too costly', async () => {
    const costly = `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: contexts { name description type args { name type description defaultValue } sources { provider operation timeoutMs } }`).join(' ')} }`;
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: await asPrincipal('cost'), body: JSON.stringify({ query: costly }) });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ message: string }> };
    expect(body.errors[0]?.message).toMatch(/^Query limit: Query Cost limit of 1500 exceeded, found \d+\.$/);
  });

  it('rejects a request body over the limit with 413', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: await asPrincipal('big'),
      body: JSON.stringify({ query: `{ userProfile(userId: "u1") { id } } # ${'x'.repeat(300_000)}` }),
    });
    expect(response.status).toBe(413);
  });
});
