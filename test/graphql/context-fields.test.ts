import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContext, id } from '../../src/context/index.js';
import { demoContexts } from '../../src/demo/index.js';
import type { Provider } from '../../src/providers/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { FixtureProvider, fixtureOps } from '../support/fixture-provider.js';
import { fixtureContexts } from '../support/fixture-contexts.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let server: TestServer;
let fixture: FixtureProvider;
let zep: TestZep;

/** The same operation as `timedOutItem`, with the store's (much longer) provider timeout. */
const patientItem = defineContext({
  name: 'patientItem',
  description: 'A fixture item that waits for the slow operation.',
  args: z.object({ itemId: id() }),
  output: z.object({ id: id(), label: z.string() }).meta({ id: 'PatientItem' }).nullable(),
  access: 'public',
  sources: (from) => [from(fixtureOps.slowItem, { key: (a) => a.itemId })],
});

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
  fixture = new FixtureProvider();
  server = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, providers: [fixture], definitions: [...demoContexts, ...fixtureContexts, patientItem] });
});

afterAll(async () => {
  await server?.close();
  await zep?.close();
  await database?.close();
});

function postgres(): Provider {
  return server.engram.store.provider('postgres') as Provider;
}

/** Runs `fn` and returns how many SQL statements (counted where they leave for the database) and userProfile keys it cost. */
async function measure(fn: () => Promise<unknown>): Promise<{ statements: number; batches: number; keys: number }> {
  const op = (s: ReturnType<Provider['stats']>) => s.operations.find((o) => o.operation === 'userProfile');
  const before = postgres().stats();
  const statementsBefore = database.statements();
  await fn();
  const after = postgres().stats();
  return {
    statements: database.statements() - statementsBefore,
    batches: (op(after)?.batches ?? 0) - (op(before)?.batches ?? 0),
    keys: (op(after)?.keys ?? 0) - (op(before)?.keys ?? 0),
  };
}

describe(`context fields over GraphQL (${process.env['TEST_DATABASE_URL'] ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('answers userProfile from the demo seed with provenance under the response path', async () => {
    const { status, body } = await server.graphql('{ userProfile(userId: "u1") { id displayName email plan createdAt } }');
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      userProfile: { id: 'u1', displayName: 'Ada Lovelace', email: 'ada@example.com', plan: 'free', createdAt: expect.any(String) },
    });
    expect(body.extensions?.['contexts']).toMatchObject({
      userProfile: { context: 'userProfile', provider: 'postgres', operation: 'userProfile', fallback: false, cached: false },
    });
  });

  it('batches 20 aliased userProfile fields for 20 distinct ids into exactly 1 SQL statement', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `u${i + 1}`);
    const query = `{ ${ids.map((id, i) => `a${i}: userProfile(userId: "${id}") { id }`).join(' ')} }`;
    let body: Awaited<ReturnType<TestServer['graphql']>>['body'] | undefined;
    const cost = await measure(async () => {
      body = (await server.graphql(query)).body;
    });
    expect(cost).toEqual({ statements: 1, batches: 1, keys: 20 });
    expect(body?.errors).toBeUndefined();
    expect(body?.data).toEqual(Object.fromEntries(ids.map((id, i) => [`a${i}`, { id }])));
    expect(Object.keys(body?.extensions?.['contexts'] as object)).toHaveLength(20);
  });

  it('de-duplicates 20 aliases of the same id into 1 statement with 1 key', async () => {
    const query = `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: userProfile(userId: "u7") { id firstName }`).join(' ')} }`;
    let data: Record<string, unknown> | null | undefined;
    const cost = await measure(async () => {
      data = (await server.graphql(query)).body.data;
    });
    expect(cost).toEqual({ statements: 1, batches: 1, keys: 1 });
    expect(Object.values(data ?? {})).toEqual(Array.from({ length: 20 }, () => ({ id: 'u7', firstName: 'Margaret' })));
  });

  it('uses one statement per provider operation when several contexts are mixed (Zep down: archive serves)', async () => {
    zep.emulator.faults.set({ outage: true });
    try {
      const before = database.statements();
      const { body } = await server.graphql(`{
        p1: userProfile(userId: "u1") { id } p2: userProfile(userId: "u2") { id }
        f1: userFacts(userId: "u1", limit: 2) { id } f2: userFacts(userId: "u2", limit: 3) { id }
        m1: threadMessages(threadId: "t1", lastN: 2) { id } d1: searchDocuments(query: "batch") { id }
      }`);
      expect(body.errors).toBeUndefined();
      // userProfile, userFacts, pendingThreadMessages (nothing pending: passes on), threadMessages, searchDocuments.
      expect(database.statements() - before).toBe(5);
      expect((body.data?.['f1'] as unknown[] | undefined)?.length).toBe(2);
      expect((body.data?.['f2'] as unknown[] | undefined)?.length).toBe(3);
      expect(body.data?.['m1']).toEqual([{ id: 't1-m5' }, { id: 't1-m6' }]);
      expect(body.data?.['d1']).toEqual([{ id: 'd1' }]);
    } finally {
      zep.emulator.faults.reset();
    }
  });

  it('returns null for data that does not exist, without an error', async () => {
    const { body } = await server.graphql('{ userProfile(userId: "nobody") { id } threadMessages(threadId: "nope") { id } }');
    expect(body).toMatchObject({ data: { userProfile: null, threadMessages: null } });
    expect(body.errors).toBeUndefined();
  });

  it('reports invalid arguments as BAD_USER_INPUT on that field only, naming the field and reason', async () => {
    const { status, body } = await server.graphql('{ ok: userProfile(userId: "u1") { id } bad: userFacts(userId: "u1", limit: 99) { id } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ ok: { id: 'u1' }, bad: null });
    expect(body.errors).toEqual([
      {
        message: 'Invalid arguments for "userFacts": limit: Too big: expected number to be <=50.',
        locations: [{ line: 1, column: 40 }],
        path: ['bad'],
        extensions: { code: 'BAD_USER_INPUT', invalidArgs: [{ field: 'limit', reason: 'Too big: expected number to be <=50' }] },
      },
    ]);
  });

  it('rejects an unknown context with a validation error and status 400', async () => {
    const { status, body } = await server.graphql('{ nope(userId: "u1") { id } }');
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toBe('Cannot query field "nope" on type "Query".');
  });

  it('fails only the field of a failing key; its neighbours in the same batch keep their data', async () => {
    fixture.batches.length = 0;
    const { body } = await server.graphql('{ a: item(itemId: "one") { label } b: item(itemId: "fail-b") { label } c: item(itemId: "two") { label } }');
    expect(fixture.batches).toEqual([['one', 'fail-b', 'two']]);
    expect(body.data).toEqual({ a: { label: 'fixture:one' }, b: null, c: { label: 'fixture:two' } });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Provider "fixture" failed "item": cannot load fail-b.',
      path: ['b'],
      extensions: { code: 'PROVIDER_ERROR', provider: 'fixture', operation: 'item' },
    });
  });

  it('falls back to the next source when the primary is down and records why', async () => {
    const { body } = await server.graphql('{ itemWithFallback(itemId: "x") { id } }');
    expect(body.data).toEqual({ itemWithFallback: { id: 'x' } });
    expect(body.extensions?.['contexts']).toMatchObject({
      itemWithFallback: {
        provider: 'fixture',
        operation: 'item',
        fallback: true,
        fallbackReason: 'PROVIDER_UNAVAILABLE',
        attempts: [{ provider: 'fixture', operation: 'downItem', error: 'PROVIDER_UNAVAILABLE' }, { provider: 'fixture', operation: 'item' }],
      },
    });
  });

  it('falls back when the primary exceeds its timeout, without waiting for it', async () => {
    // The primary would answer after 30 s; its source times out after 50 ms.
    fixture.delayMs = 30_000;
    const started = performance.now();
    const { body } = await server.graphql('{ slowItem(itemId: "s") { id } }').finally(() => {
      fixture.delayMs = 200;
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(body.data).toEqual({ slowItem: { id: 's' } });
    expect(body.extensions?.['contexts']).toMatchObject({ slowItem: { fallback: true, fallbackReason: 'PROVIDER_TIMEOUT' } });
  });

  it('keeps each source\'s own time budget when two budgets load the same operation in one request', async () => {
    // Time limits are kept per batch: loads with another budget go in a batch of their own.
    fixture.batches.length = 0;
    const { body } = await server.graphql('{ timedOutItem(itemId: "short") { id } patientItem(itemId: "long") { id } }');
    expect(body.data).toEqual({ timedOutItem: null, patientItem: { id: 'long' } });
    expect(body.errors).toEqual([expect.objectContaining({ path: ['timedOutItem'], extensions: expect.objectContaining({ code: 'PROVIDER_TIMEOUT' }) })]);
    expect(fixture.batches.map((keys) => keys.join(',')).sort()).toEqual(['long', 'short']);
  });

  it('gives a typed error with partial data when every source fails', async () => {
    const { status, body } = await server.graphql('{ userProfile(userId: "u2") { id } downItem(itemId: "x") { id } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ userProfile: { id: 'u2' }, downItem: null });
    expect(body.errors?.[0]).toMatchObject({
      message: 'Provider "fixture" is unavailable for "downItem": connection refused.',
      path: ['downItem'],
      extensions: { code: 'PROVIDER_UNAVAILABLE' },
    });
    expect(body.extensions?.['contexts']).toMatchObject({ downItem: { provider: null, error: 'PROVIDER_UNAVAILABLE' } });
  });

  it('masks internal errors: no message details and no stack trace reach the client', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ buggyItem(itemId: "x") { id } }' }),
    });
    const text = await response.text();
    expect(text).not.toContain('secret');
    expect(text).not.toContain('app.ts');
    expect(JSON.parse(text)).toMatchObject({
      data: { buggyItem: null },
      errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  });

  it('lists the registered contexts with their arguments and sources', async () => {
    const { body } = await server.graphql('{ contexts { name type args { name type defaultValue } sources { provider operation } } }');
    const facts = (body.data?.['contexts'] as Array<{ name: string }> | undefined)?.find((c) => c.name === 'userFacts');
    expect(facts).toEqual({
      name: 'userFacts',
      type: '[Fact!]',
      args: [
        { name: 'userId', type: 'ID!', defaultValue: null },
        { name: 'query', type: 'String', defaultValue: null },
        { name: 'limit', type: 'Int', defaultValue: 10 },
      ],
      sources: [
        { provider: 'zep', operation: 'userFacts' },
        { provider: 'postgres', operation: 'userFacts' },
      ],
    });
  });

  it('answers readiness with the providers it checked', async () => {
    const response = await fetch(`${server.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ready',
      providers: [{ provider: 'zep', ok: true }, { provider: 'postgres', ok: true }, { provider: 'fixture', ok: true }],
    });
  });
});
