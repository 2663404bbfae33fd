import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoContexts } from '../../src/demo/index.js';
import { fixtureContexts } from '../support/fixture-contexts.js';
import { FixtureProvider } from '../support/fixture-provider.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let server: TestServer;
let zep: TestZep;

beforeAll(async () => {
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
  server = await startTestServer({ db: database.db, pool: database.pool, zep: zep.options, providers: [new FixtureProvider()], definitions: [...demoContexts, ...fixtureContexts] });
});

afterAll(async () => {
  await server?.close();
  await zep?.close();
  await database?.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown>; type: string | null }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, type: response.headers.get('content-type') };
}

describe('REST /api/v1/context/{name}', () => {
  it('serves a context with its provenance in meta', async () => {
    const { status, body } = await get('/api/v1/context/userProfile?userId=u2');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      data: { id: 'u2', displayName: 'Grace Hopper', email: 'grace@example.com' },
      meta: { context: 'userProfile', provider: 'postgres', operation: 'userProfile', fallback: false, cached: false, stale: false },
    });
    expect(typeof (body['meta'] as { latencyMs: unknown }).latencyMs).toBe('number');
  });

  it('coerces query-string values by the argument types and applies defaults', async () => {
    const limited = await get('/api/v1/context/userFacts?userId=u1&limit=2');
    expect((limited.body['data'] as unknown[]).length).toBe(2);
    const defaulted = await get('/api/v1/context/userFacts?userId=u1');
    expect((defaulted.body['data'] as unknown[]).length).toBe(4);
  });

  it('accepts arguments as a JSON body on POST', async () => {
    const response = await fetch(`${server.url}/api/v1/context/threadMessages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ threadId: 't1', lastN: 1 }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      data: [{ role: 'assistant', content: "Noted. I'll remember that you like green tea." }],
      meta: { provider: 'zep', fallback: false },
    });
  });

  it('answers 404 with a JSON error for an unknown context', async () => {
    const { status, body, type } = await get('/api/v1/context/nope?userId=u1');
    expect(status).toBe(404);
    expect(type).toMatch(/^application\/json/);
    expect(body).toEqual({ error: { code: 'CONTEXT_NOT_FOUND', message: 'Unknown context "nope".' } });
  });

  it('answers 400 naming each bad field and why', async () => {
    const { status, body } = await get('/api/v1/context/userFacts?limit=abc');
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'BAD_USER_INPUT',
        message: 'Invalid arguments for "userFacts": userId: Invalid input: expected string, received undefined; limit: Invalid input: expected number, received string.',
        invalidArgs: [
          { field: 'userId', reason: 'Invalid input: expected string, received undefined' },
          { field: 'limit', reason: 'Invalid input: expected number, received string' },
        ],
      },
    });
  });

  it('answers 400 for arguments the context does not have', async () => {
    const { status, body } = await get('/api/v1/context/userProfile?userId=u1&colour=red');
    expect(status).toBe(400);
    expect(body).toEqual({
      error: {
        code: 'BAD_USER_INPUT',
        message: 'Invalid arguments for "userProfile": colour: unknown argument; expected one of: userId.',
        invalidArgs: [{ field: 'colour', reason: 'unknown argument; expected one of: userId' }],
      },
    });
  });

  it('answers 502 with a code when every source fails, and 200 with fallback when one answers', async () => {
    const down = await get('/api/v1/context/downItem?itemId=x');
    expect(down.status).toBe(502);
    expect(down.body).toEqual({ error: { code: 'PROVIDER_UNAVAILABLE', message: 'Provider "fixture" is unavailable for "downItem": connection refused.' } });
    const fallback = await get('/api/v1/context/itemWithFallback?itemId=x');
    expect(fallback.body).toMatchObject({ data: { id: 'x' }, meta: { fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE', provider: 'fixture' } });
  });

  it('answers 504 when the sources time out', async () => {
    const { status, body } = await get('/api/v1/context/timedOutItem?itemId=x');
    expect(status).toBe(504);
    expect(body).toEqual({ error: { code: 'PROVIDER_TIMEOUT', message: 'Provider "fixture" did not answer "slowItem" within 50 ms.' } });
  });

  it('never leaks internals: a bug in a mapping is a masked 500', async () => {
    const response = await fetch(`${server.url}/api/v1/context/buggyItem?itemId=x`);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } });
    expect(text).not.toContain('secret');
  });
});

describe('OpenAPI document', () => {
  it('describes a path per context with parameters from the argument schemas', async () => {
    const { status, body } = await get('/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body['openapi']).toBe('3.1.0');
    const paths = body['paths'] as Record<string, { get: { parameters: unknown[]; responses: Record<string, unknown> } }>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/v1/context/userProfile', '/api/v1/context/userFacts', '/api/v1/context/searchDocuments']));
    expect(paths['/api/v1/context/userFacts']?.get.parameters).toEqual([
      { name: 'userId', in: 'query', required: true, description: 'The user the facts are about.', schema: { type: 'string', minLength: 1, maxLength: 256, pattern: String.raw`^[^\u0000-\u001f\u007f]*$`, 'x-graphql-type': 'ID' } },
      { name: 'query', in: 'query', required: false, description: 'Rank facts by relevance to this text (Zep only; the archive ignores it).', schema: { type: 'string', minLength: 1, maxLength: 500 } },
      { name: 'limit', in: 'query', required: false, description: 'Most facts to return (1–50).', schema: { type: 'integer', minimum: 1, maximum: 50, default: 10 } },
    ]);
    expect(Object.keys(paths['/api/v1/context/userFacts']?.get.responses ?? {})).toEqual(['200', '400', '401', '403', '404', '429', '502', '504']);
    const schemas = (body['components'] as { schemas: Record<string, unknown> }).schemas;
    expect(schemas).toHaveProperty('Fact');
    expect(JSON.stringify(body)).not.toContain('#/$defs/');
  });
});
