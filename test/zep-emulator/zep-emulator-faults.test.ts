import { Zep, ZepClient, ZepError } from '@getzep/zep-cloud';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startZepEmulator } from '../../src/zep-emulator/index.js';
import type { ZepEmulator } from '../../src/zep-emulator/index.js';
import { control, rawApi } from './emulator-helpers.js';

let emulator: ZepEmulator;
let client: ZepClient;
const once = { maxRetries: 0 } as const;

const defaults = { outage: false, errorRate: 0, statusCode: 503, latencyMs: 0, retryAfterSeconds: 0 };

beforeAll(async () => {
  emulator = await startZepEmulator({ apiKey: 'test-key' });
  client = new ZepClient({ apiKey: 'test-key', baseUrl: emulator.baseUrl });
  await client.user.add({ userId: 'u1', firstName: 'Ada' });
  await client.thread.create({ threadId: 't1', userId: 'u1' });
});

beforeEach(() => {
  emulator.faults.reset();
  emulator.resetStats();
});

afterAll(async () => {
  await emulator.close();
});

async function failure(promise: Promise<unknown>): Promise<ZepError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ZepError);
  return error as ZepError;
}

describe('auth', () => {
  it('answers 401 without the right API key', async () => {
    const wrongKey = new ZepClient({ apiKey: 'wrong', baseUrl: emulator.baseUrl });
    const error = await failure(wrongKey.user.get('u1', once));
    expect(error.statusCode).toBe(401);
    expect(error.body).toEqual({
      message: 'unauthorized: expected the header "Authorization: Api-Key <key>" with a valid key',
    });
    expect((await rawApi(emulator, 'GET', '/users/u1', undefined, null)).status).toBe(401);
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.baseUrl).toBe(`${emulator.url}/api/v2`);
    expect(emulator.apiKey).toBe('test-key');
  });
});

describe('fault injection', () => {
  it('answers every API request with 503 during an outage', async () => {
    expect(emulator.faults.set({ outage: true })).toEqual({ ...defaults, outage: true });
    const error = await failure(client.user.get('u1', once));
    expect(error.statusCode).toBe(503);
    expect(error.body).toEqual({ message: 'Zep emulator: injected outage (HTTP 503)' });
    const context = await failure(client.thread.getUserContext('t1', {}, once));
    expect(context.statusCode).toBe(503);
    // The outage answers before auth, like an unreachable service.
    expect((await rawApi(emulator, 'GET', '/users/u1', undefined, 'wrong')).status).toBe(503);
  });

  it('uses the configured status code, which the SDK maps to its error classes', async () => {
    emulator.faults.set({ outage: true, statusCode: 500 });
    await expect(client.user.get('u1', once)).rejects.toBeInstanceOf(Zep.InternalServerError);
  });

  it('times out in the SDK when latency exceeds timeoutInSeconds', async () => {
    // The emulator would answer after 30 s: failing within seconds means the SDK gave up at 0.2 s.
    emulator.faults.set({ latencyMs: 30_000 });
    const started = performance.now();
    const error = await failure(client.user.get('u1', { timeoutInSeconds: 0.2, maxRetries: 0 }));
    expect(performance.now() - started).toBeLessThan(5_000);
    // The SDK reports an aborted fetch as a ZepError whose message is the JSON string "timeout", without status.
    expect(error.message).toBe('"timeout"');
    expect(error.statusCode).toBeUndefined();
    expect(error).not.toBeInstanceOf(Zep.NotFoundError);
  });

  it('delays answers by latencyMs', async () => {
    emulator.faults.set({ latencyMs: 150 });
    const started = performance.now();
    await expect(client.user.get('u1', once)).resolves.toMatchObject({ userId: 'u1' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('drops a delayed request whose client gave up, without executing it', async () => {
    emulator.faults.set({ latencyMs: 300 });
    const error = await failure(client.user.add({ userId: 'impatient' }, { timeoutInSeconds: 0.05, maxRetries: 0 }));
    expect(error.message).toBe('"timeout"');
    await new Promise((resolve) => setTimeout(resolve, 400));
    emulator.faults.reset();
    await expect(client.user.get('impatient', once)).rejects.toBeInstanceOf(Zep.NotFoundError);
  });

  it('fails every request with errorRate 1 and none with errorRate 0', async () => {
    emulator.faults.set({ errorRate: 1 });
    for (let i = 0; i < 3; i += 1) {
      const error = await failure(client.user.get('u1', once));
      expect(error.statusCode).toBe(503);
      expect(error.body).toEqual({ message: 'Zep emulator: injected error (errorRate 1, HTTP 503)' });
    }
    emulator.faults.set({ errorRate: 0 });
    for (let i = 0; i < 3; i += 1) await expect(client.user.get('u1', once)).resolves.toMatchObject({ userId: 'u1' });
  });

  it('spreads failures evenly and deterministically for fractional rates', async () => {
    emulator.faults.set({ errorRate: 0.5, statusCode: 429 });
    const outcomes: Array<number | 'ok'> = [];
    for (let i = 0; i < 6; i += 1) {
      outcomes.push(
        await client.user.get('u1', once).then(
          () => 'ok' as const,
          (error: unknown) => (error instanceof ZepError ? (error.statusCode ?? 0) : -1),
        ),
      );
    }
    expect(outcomes).toEqual(['ok', 429, 'ok', 429, 'ok', 429]);
  });

  it('rejects invalid settings programmatically and keeps the old ones', () => {
    emulator.faults.set({ latencyMs: 10 });
    expect(() => emulator.faults.set({ errorRate: 1.5 })).toThrow(
      new RangeError('invalid fault settings: errorRate: must be a number from 0 to 1, received 1.5'),
    );
    expect(emulator.faults.get()).toEqual({ ...defaults, latencyMs: 10 });
  });
});

describe('control endpoints', () => {
  it('reads, patches and resets faults over HTTP', async () => {
    expect(await control(emulator, 'GET', '/_emulator/faults')).toEqual({ status: 200, body: defaults });
    expect(await control(emulator, 'PUT', '/_emulator/faults', '{"outage":true,"statusCode":502}')).toEqual({
      status: 200,
      body: { ...defaults, outage: true, statusCode: 502 },
    });
    expect((await failure(client.user.get('u1', once))).statusCode).toBe(502);
    expect(await control(emulator, 'POST', '/_emulator/faults/reset')).toEqual({ status: 200, body: defaults });
    await expect(client.user.get('u1', once)).resolves.toMatchObject({ userId: 'u1' });
  });

  it('answers an invalid PUT with 400 and the reason, changing nothing', async () => {
    expect(await control(emulator, 'PUT', '/_emulator/faults', '{"errorRate":2}')).toEqual({
      status: 400,
      body: { message: 'invalid request body: errorRate: must be a number from 0 to 1, received 2' },
    });
    expect(await control(emulator, 'PUT', '/_emulator/faults', '{"outage":true,"latency":5}')).toEqual({
      status: 400,
      body: { message: 'invalid request body: unknown key(s) "latency"; expected outage, errorRate, statusCode, latencyMs, retryAfterSeconds' },
    });
    expect(await control(emulator, 'PUT', '/_emulator/faults', 'outage')).toEqual({
      status: 400,
      body: { message: 'invalid request body: not valid JSON' },
    });
    expect(await control(emulator, 'PUT', '/_emulator/faults', '{"statusCode":200}')).toEqual({
      status: 400,
      body: { message: 'invalid request body: statusCode: must be an integer HTTP status from 400 to 599, received 200' },
    });
    expect(emulator.faults.get()).toEqual(defaults);
  });

  it('counts API requests by route template, and not control requests', async () => {
    await client.user.get('u1');
    await client.user.get('u1');
    await client.thread.getUserContext('t1');
    await client.graph.search({ userId: 'u1', query: 'Ada' });
    await rawApi(emulator, 'GET', '/nowhere');
    const expected = {
      total: 5,
      byRoute: {
        'GET (no route)': 1,
        'GET /threads/:threadId/context': 1,
        'GET /users/:userId': 2,
        'POST /graph/search': 1,
      },
    };
    expect(emulator.stats()).toEqual(expected);
    expect(await control(emulator, 'GET', '/_emulator/stats')).toEqual({ status: 200, body: expected });
    expect(await control(emulator, 'POST', '/_emulator/stats/reset')).toEqual({ status: 200, body: { total: 0, byRoute: {} } });
    expect(emulator.stats()).toEqual({ total: 0, byRoute: {} });
  });

  it('counts requests that fail with an injected fault or a 401', async () => {
    emulator.faults.set({ outage: true });
    await failure(client.user.get('u1', once));
    emulator.faults.reset();
    await failure(new ZepClient({ apiKey: 'wrong', baseUrl: emulator.baseUrl }).user.get('u1', once));
    expect(emulator.stats()).toEqual({ total: 2, byRoute: { 'GET /users/:userId': 2 } });
  });

  it('serves health and JSON 404s outside the API', async () => {
    expect(await control(emulator, 'GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await control(emulator, 'GET', '/nothing-here')).toEqual({
      status: 404,
      body: { message: 'no route for GET /nothing-here' },
    });
  });
});

describe('close', () => {
  it('cuts injected latency short and closes promptly, once', async () => {
    const local = await startZepEmulator();
    const localClient = new ZepClient({ apiKey: local.apiKey, baseUrl: local.baseUrl });
    await localClient.user.add({ userId: 'u1' });
    local.faults.set({ latencyMs: 30_000 });
    const pending = failure(localClient.user.get('u1', once));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await Promise.all([local.close(), local.close()]);
    // Far below the injected 30 s: close did not wait for the delayed answer.
    expect(performance.now() - started).toBeLessThan(5_000);
    const error = await pending;
    expect(error.statusCode).toBe(503);
    expect(error.body).toEqual({ message: 'Zep emulator is shutting down' });
  });
});
