import type { ZepClient } from '@getzep/zep-cloud';
import { getEventListeners } from 'node:events';
import DataLoader from 'dataloader';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acmeDemo, globexDemo } from '../../../src/demo/index.js';
import {
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  type EngramError,
} from '../../../src/errors/index.js';
import { ProviderRuntime, type OperationRef } from '../../../src/providers/index.js';
import { createZepClient, zepProvider, zepOps, type ZepProviderOptions } from '../../../src/providers/zep/index.js';
import { seedZepDemo } from '../../../src/demo/index.js';
import { startZepEmulator, type ZepEmulator } from '../../../src/zep-emulator/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let emulator: ZepEmulator;
let client: ZepClient;

beforeAll(async () => {
  emulator = await startZepEmulator({ port: 0 });
  client = createZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  await seedZepDemo(client);
});

beforeEach(() => {
  emulator.faults.reset();
  emulator.resetStats();
});

afterAll(async () => {
  await emulator?.close();
});

/** The Zep provider as the store runs it: its definition inside the provider runtime. */
function zep(options: Partial<ZepProviderOptions> = {}): ProviderRuntime {
  return new ProviderRuntime(zepProvider({ client, timeoutMs: 2000, maxRetries: 0, concurrency: 4, ...options }));
}

async function load<K, V>(
  provider: ProviderRuntime,
  ref: OperationRef<K, V>,
  keys: readonly K[],
  signal: AbortSignal = new AbortController().signal,
  tenant = 'acme',
): Promise<Array<V | EngramError>> {
  return (await provider.load(ref.operation, keys, { signal, tenant })) as Array<V | EngramError>;
}

/** An address where nothing listens: an emulator that was started and closed again. */
async function closedBaseUrl(): Promise<string> {
  const gone = await startZepEmulator({ port: 0 });
  await gone.close();
  return gone.baseUrl;
}

/**
 * Watches the HTTP calls the SDK makes while `run` runs (the SDK calls the global `fetch`; the calls
 * still go to the emulator): how many it started, and the most in flight at once.
 */
async function watchFetch<T>(run: () => Promise<T>): Promise<{ result: T; started: number; peakInFlight: number }> {
  const realFetch = globalThis.fetch;
  let started = 0;
  let inFlight = 0;
  let peakInFlight = 0;
  globalThis.fetch = async (input, init) => {
    started += 1;
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    try {
      return await realFetch(input, init);
    } finally {
      inFlight -= 1;
    }
  };
  try {
    const result = await run();
    return { result, started, peakInFlight };
  } finally {
    globalThis.fetch = realFetch;
  }
}

const expectedFacts = (userId: string) =>
  acmeDemo.facts
    .filter((fact) => fact.userId === userId)
    .map((fact) => ({
      id: expect.stringMatching(UUID),
      name: fact.name,
      fact: fact.fact,
      sourceNode: fact.sourceNode,
      targetNode: fact.targetNode,
      validAt: fact.createdAt,
      invalidAt: null,
      createdAt: fact.createdAt,
      score: 0,
    }))
    .reverse();

const expectedMessages = (threadId: string, lastN: number) =>
  acmeDemo.messages
    .filter((message) => message.threadId === threadId)
    .slice(-lastN)
    .map((message) => ({ id: expect.stringMatching(UUID), role: message.role, content: message.content, createdAt: message.createdAt }));

describe('tenancy', () => {
  it('reads each tenant under its own namespaced ids: the same keys give acme, globex, or nothing', async () => {
    const never = new AbortController().signal;
    const [acme] = await load(zep(), zepOps.user, ['u1'], never, 'acme');
    const [globex] = await load(zep(), zepOps.user, ['u1'], never, 'globex');
    const [other] = await load(zep(), zepOps.user, ['u1'], never, 'initech');
    expect(acme).toMatchObject({ id: 'u1', firstName: 'Ada', lastName: 'Lovelace' });
    expect(globex).toMatchObject({ id: 'u1', firstName: globexDemo.users[0]?.firstName, lastName: globexDemo.users[0]?.lastName });
    expect(other).toBeNull();
    const [messages] = await load(zep(), zepOps.threadMessages, [{ threadId: 't1', lastN: 6 }], never, 'globex');
    expect((messages as Array<{ content: string }>).map((m) => m.content)).toEqual(globexDemo.messages.filter((m) => m.threadId === 't1').map((m) => m.content));
  });

  it('uses a tenant\'s own Zep project, with ids as they are, when it has one', async () => {
    const own = await startZepEmulator({ port: 0 });
    try {
      const ownClient = createZepClient({ apiKey: own.apiKey, baseUrl: own.baseUrl });
      await seedZepDemo(ownClient, { dataSets: [globexDemo], zepId: (_tenant, id) => id });
      own.resetStats();
      const provider = zep({ tenantClients: { globex: ownClient } });
      const never = new AbortController().signal;
      const [globex] = await load(provider, zepOps.user, ['u1'], never, 'globex');
      const [acme] = await load(provider, zepOps.user, ['u1'], never, 'acme');
      expect(globex).toMatchObject({ id: 'u1', firstName: globexDemo.users[0]?.firstName });
      expect(acme).toMatchObject({ id: 'u1', firstName: 'Ada' });
      expect(own.stats().byRoute).toEqual({ 'GET /users/:userId': 1 });
    } finally {
      await own.close();
    }
  });
});

describe('operations', () => {
  it('threadMessages: the last N messages oldest first, in key order; null for an unknown thread', async () => {
    const results = await load(zep(), zepOps.threadMessages, [
      { threadId: 't1', lastN: 2 },
      { threadId: 'nope', lastN: 2 },
      { threadId: 't2', lastN: 3 },
    ]);
    expect(results).toEqual([
      [
        { id: expect.stringMatching(UUID), role: 'user', content: 'Thanks! Also, I usually drink green tea while coding.', createdAt: '2026-01-01T09:04:00.000Z' },
        { id: expect.stringMatching(UUID), role: 'assistant', content: "Noted. I'll remember that you like green tea.", createdAt: '2026-01-01T09:05:00.000Z' },
      ],
      null,
      expectedMessages('t2', 3),
    ]);
    expect(emulator.stats().byRoute).toEqual({ 'GET /threads/:threadId/messages': 3 });
  });

  it('threadContext: the context block per thread; null for an unknown thread', async () => {
    const [t1, missing] = await load(zep(), zepOps.threadContext, ['t1', 'nope']);
    expect(missing).toBeNull();
    expect(t1).toEqual({ threadId: 't1', context: expect.any(String) });
    const context = (t1 as { context: string }).context;
    expect(context.startsWith('FACTS and ENTITIES represent relevant context to the current conversation.')).toBe(true);
    for (const fact of acmeDemo.facts.filter((f) => f.userId === 'u1')) {
      expect(context).toContain(`  - ${fact.fact} (Date range: ${fact.createdAt.slice(0, 19).replace('T', ' ')} - present)`);
    }
  });

  it('user: the Zep user per key; null for an unknown user', async () => {
    const results = await load(zep(), zepOps.user, ['u2', 'nope', 'u1']);
    expect(results).toEqual([
      {
        id: 'u2',
        email: 'grace@example.com',
        firstName: 'Grace',
        lastName: 'Hopper',
        metadata: { locale: 'en-US', plan: 'pro', bio: 'Grace Hopper works on PostgreSQL.' },
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
      null,
      {
        id: 'u1',
        email: 'ada@example.com',
        firstName: 'Ada',
        lastName: 'Lovelace',
        metadata: { locale: 'en-GB', plan: 'free', bio: 'Ada Lovelace works on GraphQL.' },
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      },
    ]);
  });

  it('userFacts: most recent facts without a query, most relevant with one; [] for an unknown user', async () => {
    const results = await load(zep(), zepOps.userFacts, [
      { userId: 'u1', limit: 10 },
      { userId: 'nope', limit: 5 },
      { userId: 'u2', query: 'espresso', limit: 1 },
      { userId: 'u3', query: '   ', limit: 2 },
    ]);
    expect(results).toEqual([
      expectedFacts('u1'),
      [],
      [
        {
          id: expect.stringMatching(UUID),
          name: 'PREFERS',
          fact: 'Grace prefers espresso in the morning.',
          sourceNode: 'Grace',
          targetNode: 'espresso',
          validAt: '2026-01-01T09:10:00.000Z',
          invalidAt: null,
          createdAt: '2026-01-01T09:10:00.000Z',
          score: 1,
        },
      ],
      expectedFacts('u3').slice(0, 2),
    ]);
    expect(emulator.stats().byRoute).toEqual({ 'POST /graph/search': 4 });
  });

  it('graphSearch: fills only the list of the scope; all empty for an unknown user', async () => {
    const results = await load(zep(), zepOps.graphSearch, [
      { userId: 'u1', query: 'tea', scope: 'nodes', limit: 3 },
      { userId: 'u1', query: 'green tea', scope: 'episodes', limit: 5 },
      { userId: 'u1', query: 'tea', scope: 'edges', limit: 5 },
      { userId: 'nope', query: 'tea', scope: 'edges', limit: 5 },
    ]);
    expect(results).toEqual([
      {
        edges: [],
        nodes: [{ id: expect.stringMatching(UUID), name: 'green tea', summary: null, labels: ['Entity'], createdAt: '2026-01-01T09:00:00.000Z', score: 1 }],
        episodes: [],
      },
      {
        edges: [],
        nodes: [],
        episodes: [
          { id: expect.stringMatching(UUID), content: "Noted. I'll remember that you like green tea.", source: 'message', createdAt: '2026-01-01T09:05:00.000Z', score: 1 },
          { id: expect.stringMatching(UUID), content: 'Thanks! Also, I usually drink green tea while coding.', source: 'message', createdAt: '2026-01-01T09:04:00.000Z', score: 1 },
        ],
      },
      { edges: [{ ...expectedFacts('u1')[3], score: 1 }], nodes: [], episodes: [] },
      { edges: [], nodes: [], episodes: [] },
    ]);
  });

  it('keyId: equal keys give equal ids, every field counts, absent and blank queries are the same request', () => {
    const provider = zep();
    const id = (operation: string, key: unknown) => provider.keyId(operation, key);
    expect(id('threadMessages', { threadId: 't1', lastN: 2 })).toBe(id('threadMessages', { lastN: 2, threadId: 't1' }));
    expect(id('threadMessages', { threadId: 't1', lastN: 2 })).not.toBe(id('threadMessages', { threadId: 't1', lastN: 3 }));
    expect(id('userFacts', { userId: 'u1', limit: 5 })).toBe(id('userFacts', { userId: 'u1', query: ' ', limit: 5 }));
    expect(id('userFacts', { userId: 'u1', limit: 5 })).not.toBe(id('userFacts', { userId: 'u1', query: 'tea', limit: 5 }));
    expect(id('userFacts', { userId: 'u1', limit: 5 })).not.toBe(id('userFacts', { userId: 'u1', limit: 6 }));
    const search = { userId: 'u1', query: 'tea', scope: 'edges', limit: 5 };
    expect(id('graphSearch', search)).toBe(id('graphSearch', { ...search }));
    expect(id('graphSearch', search)).not.toBe(id('graphSearch', { ...search, scope: 'nodes' }));
    expect(id('graphSearch', search)).not.toBe(id('graphSearch', { ...search, userId: 'u2' }));
    expect(id('graphSearch', search)).not.toBe(id('graphSearch', { ...search, limit: 6 }));
    expect(id('user', 'u1')).toBe('u1');
  });
});

describe('batching', () => {
  it('a DataLoader batch of 10 keys over 4 distinct values costs exactly 4 HTTP calls', async () => {
    const provider = zep();
    const signal = new AbortController().signal;
    const loader = new DataLoader<string, unknown, string>(
      (keys) => provider.load('user', keys, { signal, tenant: 'acme' }) as Promise<unknown[]>,
      { cacheKeyFn: (key) => provider.keyId('user', key) },
    );
    const keys = ['u1', 'u2', 'u1', 'u3', 'nope', 'u2', 'u1', 'u3', 'nope', 'u1'];
    const results = await Promise.all(keys.map((key) => loader.load(key)));
    expect(results.map((user) => (user === null ? null : (user as { id: string }).id))).toEqual(keys.map((k) => (k === 'nope' ? null : k)));
    expect(emulator.stats()).toEqual({ total: 4, byRoute: { 'GET /users/:userId': 4 } });
    expect(provider.stats()).toMatchObject({ calls: 4, batches: 1, keys: 4, errors: 0 });
  });

  it('de-duplicates equal keys itself when called without a DataLoader', async () => {
    const provider = zep();
    const keys = [
      { threadId: 't1', lastN: 1 },
      { threadId: 't1', lastN: 2 },
      { lastN: 1, threadId: 't1' },
    ];
    const results = await load(provider, zepOps.threadMessages, keys);
    expect(results).toEqual([expectedMessages('t1', 1), expectedMessages('t1', 2), expectedMessages('t1', 1)]);
    expect(emulator.stats().total).toBe(2);
    expect(provider.stats().calls).toBe(2);
  });

  it('leaves no listener on the request signal after a batch (the SDK never removes its own)', async () => {
    const request = new AbortController();
    const provider = zep({ concurrency: 8 });
    const keys = Array.from({ length: 25 }, (_, i) => `u${i + 1}`);
    const results = await load(provider, zepOps.user, keys, request.signal);
    expect(results.map((user) => (user as { id: string }).id)).toEqual(keys);
    expect(getEventListeners(request.signal, 'abort')).toHaveLength(0);
  });

  const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];

  it('keeps at most `concurrency` calls in flight (cap 2: 8 keys × 100 ms take 4 rounds)', async () => {
    emulator.faults.set({ latencyMs: 100 });
    const began = performance.now();
    const { result: results, peakInFlight } = await watchFetch(() => load(zep({ concurrency: 2 }), zepOps.user, users));
    const elapsed = performance.now() - began;
    expect(results.map((user) => (user as { id: string }).id)).toEqual(users);
    expect(peakInFlight).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(emulator.stats().total).toBe(8);
  });

  it('runs a batch in one round when the cap allows (cap 8: 8 keys × 300 ms, all in flight at once)', async () => {
    emulator.faults.set({ latencyMs: 300 });
    const { result: results, peakInFlight } = await watchFetch(() => load(zep({ concurrency: 8 }), zepOps.user, users));
    expect(results.map((user) => (user as { id: string }).id)).toEqual(users);
    expect(peakInFlight).toBe(8);
    expect(emulator.stats().total).toBe(8);
  });
});

describe('failures', () => {
  it('outage: every slot is PROVIDER_UNAVAILABLE, without Zep internals in the message', async () => {
    emulator.faults.set({ outage: true });
    const results = await load(zep(), zepOps.user, ['u1', 'u2', 'nope']);
    for (const result of results) {
      expect(result).toBeInstanceOf(ProviderUnavailableError);
      expect(result).toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        message: 'Provider "zep" is unavailable for "user": Zep answered 503.',
        details: { provider: 'zep', operation: 'user' },
      });
      expect((result as Error).cause).toBeInstanceOf(Error);
    }
  });

  it('maps 500, 429 and 408 to PROVIDER_UNAVAILABLE and other 4xx to PROVIDER_ERROR', async () => {
    const provider = zep();
    for (const statusCode of [500, 429, 408]) {
      emulator.faults.set({ outage: true, statusCode });
      const [result] = await load(provider, zepOps.threadContext, ['t1']);
      expect(result).toBeInstanceOf(ProviderUnavailableError);
      expect(result).toMatchObject({ message: `Provider "zep" is unavailable for "threadContext": Zep answered ${statusCode}.` });
    }
    emulator.faults.set({ outage: true, statusCode: 422 });
    const [result] = await load(provider, zepOps.threadContext, ['t1']);
    expect(result).toBeInstanceOf(ProviderError);
    expect(result).toMatchObject({
      code: 'PROVIDER_ERROR',
      message: 'Provider "zep" failed "threadContext": Zep rejected the request (HTTP 422).',
    });
  });

  it('a search limit above Zep\'s cap of 50 is PROVIDER_ERROR for that key only', async () => {
    const [tooMany, fine] = await load(zep(), zepOps.userFacts, [
      { userId: 'u1', limit: 51 },
      { userId: 'u1', limit: 1 },
    ]);
    expect(tooMany).toMatchObject({ code: 'PROVIDER_ERROR', message: 'Provider "zep" failed "userFacts": Zep rejected the request (HTTP 400).' });
    expect(fine).toEqual(expectedFacts('u1').slice(0, 1));
  });

  it('times out after the provider timeout (100 ms), not the SDK default of 60 s', async () => {
    // Zep would answer after 30 s: coming back within seconds means the call was cut at the timeout.
    emulator.faults.set({ latencyMs: 30_000 });
    const started = performance.now();
    const results = await load(zep({ timeoutMs: 100 }), zepOps.user, ['u1', 'u2']);
    expect(performance.now() - started).toBeLessThan(5_000);
    for (const result of results) {
      expect(result).toBeInstanceOf(ProviderTimeoutError);
      expect(result).toMatchObject({
        code: 'PROVIDER_TIMEOUT',
        message: 'Provider "zep" did not answer "user" within 100 ms.',
        details: { provider: 'zep', operation: 'user', timeoutMs: 100 },
      });
    }
  });

  it('maxRetries 0 makes one HTTP call per key under an outage, maxRetries 1 makes two', { timeout: 15_000 }, async () => {
    emulator.faults.set({ outage: true });
    const once = zep({ maxRetries: 0 });
    await load(once, zepOps.user, ['u1', 'u2']);
    expect(emulator.stats()).toEqual({ total: 2, byRoute: { 'GET /users/:userId': 2 } });
    expect(once.stats().calls).toBe(2);

    emulator.resetStats();
    const twice = zep({ maxRetries: 1 });
    const results = await load(twice, zepOps.user, ['u1', 'u2']);
    expect(emulator.stats()).toEqual({ total: 4, byRoute: { 'GET /users/:userId': 4 } });
    // Retries happen inside the SDK: the provider counts the calls it made.
    expect(twice.stats().calls).toBe(2);
    expect(results.map((r) => (r as EngramError).code)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
  });

  it('errorRate 0.5: failing keys get errors in their slots, the others their values', async () => {
    emulator.faults.set({ errorRate: 0.5 });
    // One call at a time so that the emulator's every-second-request failures hit u2 and u4.
    const results = await load(zep({ concurrency: 1 }), zepOps.user, ['u1', 'u2', 'u3', 'u4']);
    expect(results[0]).toMatchObject({ id: 'u1', firstName: 'Ada' });
    expect(results[1]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'Provider "zep" is unavailable for "user": Zep answered 503.' });
    expect(results[2]).toMatchObject({ id: 'u3', firstName: 'Alan' });
    expect(results[3]).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'Provider "zep" is unavailable for "user": Zep answered 503.' });
    expect(emulator.stats().total).toBe(4);
  });

  it('a wrong API key is PROVIDER_UNAVAILABLE: Zep rejected the API key', async () => {
    const provider = zep({ client: createZepClient({ apiKey: 'wrong-key', baseUrl: emulator.baseUrl }) });
    const [result] = await load(provider, zepOps.userFacts, [{ userId: 'u1', limit: 3 }]);
    expect(result).toBeInstanceOf(ProviderUnavailableError);
    expect(result).toMatchObject({ message: 'Provider "zep" is unavailable for "userFacts": Zep rejected the API key.' });
  });

  it('a closed port is PROVIDER_UNAVAILABLE: Zep is unreachable', async () => {
    const provider = zep({ client: createZepClient({ apiKey: 'any', baseUrl: await closedBaseUrl() }) });
    const [result] = await load(provider, zepOps.threadMessages, [{ threadId: 't1', lastN: 2 }]);
    expect(result).toBeInstanceOf(ProviderUnavailableError);
    expect(result).toMatchObject({ message: 'Provider "zep" is unavailable for "threadMessages": Zep is unreachable.' });
  });

  it('an aborted batch makes no call, and an abort settles the batch during the SDK\'s retry backoff', async () => {
    const provider = zep({ maxRetries: 2 });
    const [skipped] = await load(provider, zepOps.user, ['u1'], AbortSignal.abort());
    expect(skipped).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'Provider "zep" is unavailable for "user": the request was aborted.' });
    expect(emulator.stats().total).toBe(0);

    // The SDK waits 0.8–1.2 s before its first retry; an abort at 150 ms must settle the batch inside
    // that wait: by then the SDK has made its first call only (a retry would be a second, even an
    // aborted one).
    emulator.faults.set({ outage: true });
    const { result: [aborted], started } = await watchFetch(() => load(provider, zepOps.user, ['u1'], AbortSignal.timeout(150)));
    expect(started).toBe(1);
    expect(emulator.stats().total).toBe(1);
    expect(aborted).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'Provider "zep" is unavailable for "user": the request was aborted.' });
  });
});

describe('health', () => {
  it('is ok when Zep answers', async () => {
    const health = await zep().health();
    expect(health).toEqual({ provider: 'zep', ok: true, latencyMs: expect.any(Number) });
    expect(emulator.stats().total).toBe(1);
  });

  it('is not ok during an outage, with a wrong key or when Zep is unreachable, and says why', async () => {
    emulator.faults.set({ outage: true });
    expect(await zep().health()).toEqual({
      provider: 'zep',
      ok: false,
      latencyMs: expect.any(Number),
      detail: 'Provider "zep" is unavailable for "health": Zep answered 503.',
    });
    emulator.faults.reset();
    const wrongKey = zep({ client: createZepClient({ apiKey: 'wrong-key', baseUrl: emulator.baseUrl }) });
    expect(await wrongKey.health()).toMatchObject({ ok: false, detail: 'Provider "zep" is unavailable for "health": Zep rejected the API key.' });
    const unreachable = zep({ client: createZepClient({ apiKey: 'any', baseUrl: await closedBaseUrl() }) });
    expect(await unreachable.health()).toMatchObject({ ok: false, detail: 'Provider "zep" is unavailable for "health": Zep is unreachable.' });
  });

  it('is not ok within its own timeout when Zep is slow', async () => {
    // Zep would answer after 30 s: coming back within seconds means the check was cut at its timeout.
    emulator.faults.set({ latencyMs: 30_000 });
    const started = performance.now();
    expect(await zep({ healthTimeoutMs: 100 }).health()).toMatchObject({
      ok: false,
      detail: 'Provider "zep" did not answer "health" within 100 ms.',
    });
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('options', () => {
  it('rejects invalid limits with what was expected and received', () => {
    expect(() => zep({ concurrency: 0 })).toThrow(new RangeError('ZepProvider: concurrency must be an integer of at least 1, received 0'));
    expect(() => zep({ maxRetries: -1 })).toThrow(new RangeError('ZepProvider: maxRetries must be an integer of at least 0, received -1'));
    expect(() => zep({ timeoutMs: 0 })).toThrow(new RangeError('ZepProvider: timeoutMs must be above 0, received 0'));
    expect(() => createZepClient({ apiKey: ' ' })).toThrow(new RangeError('createZepClient: apiKey must be a non-empty string, received ""'));
  });
});
