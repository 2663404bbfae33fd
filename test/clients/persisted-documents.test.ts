import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AgentContextBundleDocument, AgentContextDocument, AppendMessagesDocument, ThreadContextDocument, UserProfileDocument } from '../../src/generated/graphql.js';
import { MISSING_DOCUMENT_MESSAGE, PERSISTED_ONLY_MESSAGE, PersistedDocumentStore } from '../../src/graphql/index.js';
import { documentIdOf, startClientStack, type ClientStack } from './client-stack.js';

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let open: ClientStack;
let only: ClientStack;

beforeAll(async () => {
  [open, only] = await Promise.all([startClientStack(), startClientStack({ only: true })]);
});

afterAll(async () => {
  await Promise.all([open?.close(), only?.close()]);
});

async function post(endpoint: string, body: unknown, accept = GRAPHQL_RESPONSE) {
  const response = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

async function get(endpoint: string, params: Record<string, unknown>) {
  const search = new URLSearchParams(
    Object.entries(params).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]),
  );
  const response = await fetch(`${endpoint}?${search}`, { headers: { accept: GRAPHQL_RESPONSE } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('persisted documents by documentId (GraphQL over HTTP, Appendix A)', () => {
  const userProfile = documentIdOf(UserProfileDocument);

  it('runs a manifest document by its sha256: id over POST', async () => {
    const { status, type, body } = await post(open.endpoint, { documentId: userProfile, variables: { userId: 'u1' } });
    expect(status).toBe(200);
    expect(type).toBe('application/graphql-response+json; charset=utf-8');
    expect(body['errors']).toBeUndefined();
    expect(body['data']).toMatchObject({ userProfile: { id: 'u1', displayName: 'Ada Lovelace', email: 'ada@example.com' } });
  });

  it('accepts the bare hex digest and GET with the id in the query string', async () => {
    const bare = await post(open.endpoint, { documentId: userProfile.slice('sha256:'.length), variables: { userId: 'u2' } });
    expect(bare.status).toBe(200);
    expect(bare.body['data']).toMatchObject({ userProfile: { id: 'u2' } });

    const viaGet = await get(open.endpoint, { documentId: documentIdOf(ThreadContextDocument), variables: { threadId: 't1' } });
    expect(viaGet.status).toBe(200);
    expect(viaGet.body['data']).toMatchObject({ threadContext: { threadId: 't1', context: expect.any(String) } });
  });

  it('serves the combined AgentContext document in one round trip', async () => {
    const { status, body } = await post(open.endpoint, { documentId: documentIdOf(AgentContextDocument), variables: { userId: 'u1', threadId: 't1' } });
    expect(status).toBe(200);
    expect(body['errors']).toBeUndefined();
    const data = body['data'] as Record<string, unknown>;
    expect(data['userProfile']).toMatchObject({ displayName: 'Ada Lovelace' });
    expect((data['userFacts'] as unknown[]).length).toBeGreaterThan(0);
    expect((data['userFacts'] as unknown[]).length).toBeLessThanOrEqual(5);
    expect(data['threadContext']).toEqual({ context: expect.any(String) });
    expect((data['threadMessages'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('serves the agentContext bundle by documentId, with the bundle\'s defaults for left-out variables', async () => {
    const { status, body } = await post(open.endpoint, { documentId: documentIdOf(AgentContextBundleDocument), variables: { userId: 'u1', threadId: 't1', query: 'batching' } });
    expect(status).toBe(200);
    expect(body['errors']).toBeUndefined();
    const value = (body['data'] as { agentContext: { text: string; tokens: number; budgetTokens: number; parts: Array<{ name: string }> } }).agentContext;
    expect(value.budgetTokens).toBe(2000);
    expect(value.tokens).toBeLessThanOrEqual(2000);
    expect(value.text.startsWith('## User\nAda Lovelace')).toBe(true);
    expect(value.parts.map((p) => p.name)).toEqual(['profile', 'context', 'messages', 'facts', 'documents']);
  });

  it('answers an unknown id with PersistedQueryNotFound: 404, or 200 for application/json clients', async () => {
    const unknown = `sha256:${'0'.repeat(64)}`;
    const expected = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
    expect(await post(open.endpoint, { documentId: unknown })).toMatchObject({ status: 404, body: expected });
    expect(await post(open.endpoint, { documentId: unknown }, 'application/json')).toMatchObject({ status: 200, body: expected });
    expect(await post(open.endpoint, { documentId: 'x-relay:42' })).toMatchObject({ status: 404, body: expected });
  });

  it('rejects a documentId that is not a string, and a request with neither query nor id', async () => {
    expect(await post(open.endpoint, { documentId: 42 })).toEqual({
      status: 400,
      type: 'application/graphql-response+json; charset=utf-8',
      body: { errors: [{ message: 'documentId must be a string, received 42.', extensions: { code: 'BAD_REQUEST' } }] },
    });
    expect(await post(open.endpoint, { variables: { userId: 'u1' } })).toMatchObject({
      status: 400,
      body: { errors: [{ message: MISSING_DOCUMENT_MESSAGE, extensions: { code: 'BAD_REQUEST' } }] },
    });
    expect(MISSING_DOCUMENT_MESSAGE).toBe('Must provide a query string, a documentId or extensions.persistedQuery.sha256Hash.');
  });
});

describe('Automatic Persisted Queries (extensions.persistedQuery)', () => {
  it('serves a manifest document by its hash without registration', async () => {
    const sha256Hash = documentIdOf(UserProfileDocument).slice('sha256:'.length);
    const { status, body } = await get(open.endpoint, { variables: { userId: 'u3' }, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expect(status).toBe(200);
    expect(body['data']).toMatchObject({ userProfile: { id: 'u3' } });
  });

  it('misses an unknown hash, registers the query on retry, then serves it by hash alone (POST and GET)', async () => {
    const query = '{ userProfile(userId: "u4") { id plan } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    const before = open.server.engram.persistedDocuments.registeredCount;

    expect(await post(open.endpoint, { extensions: { persistedQuery } })).toMatchObject({
      status: 404,
      body: { errors: [{ message: 'PersistedQueryNotFound' }] },
    });
    const registering = await post(open.endpoint, { query, extensions: { persistedQuery } });
    expect(registering.status).toBe(200);
    expect(open.server.engram.persistedDocuments.registeredCount).toBe(before + 1);

    const byHash = await post(open.endpoint, { extensions: { persistedQuery } });
    expect(byHash).toMatchObject({ status: 200, body: { data: { userProfile: { id: 'u4', plan: expect.any(String) } } } });
    const byGet = await get(open.endpoint, { extensions: { persistedQuery } });
    expect(byGet).toMatchObject({ status: 200, body: { data: { userProfile: { id: 'u4' } } } });
    // A registered document is a persisted document too.
    expect(await post(open.endpoint, { documentId: `sha256:${persistedQuery.sha256Hash}` })).toMatchObject({ status: 200 });
  });

  it('refuses to register a query under a hash that is not its sha256', async () => {
    const query = '{ userProfile(userId: "u5") { id } }';
    const wrong = sha256('something else');
    expect(await post(open.endpoint, { query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } })).toEqual({
      status: 400,
      type: 'application/graphql-response+json; charset=utf-8',
      body: {
        errors: [
          {
            message: `extensions.persistedQuery.sha256Hash must be the sha256 of the query: expected "${sha256(query)}", received "${wrong}".`,
            extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH' },
          },
        ],
      },
    });
    expect(await post(open.endpoint, { extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } })).toMatchObject({ status: 404 });
  });

  it('does not register a query that fails validation', async () => {
    const query = '{ nope }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    expect(await post(open.endpoint, { query, extensions: { persistedQuery } })).toMatchObject({ status: 400 });
    expect(await post(open.endpoint, { extensions: { persistedQuery } })).toMatchObject({ status: 404 });
  });

  it('keeps at most apqCacheSize registrations, evicting the least recently used', () => {
    const store = new PersistedDocumentStore({ apqCacheSize: 2 });
    for (const n of [1, 2, 3]) store.register(sha256(`{ a${n} }`), `{ a${n} }`);
    expect(store.registeredCount).toBe(2);
    expect(store.get(sha256('{ a1 }'))).toBeUndefined();
    expect(store.get(`sha256:${sha256('{ a3 }')}`)).toBe('{ a3 }');
  });

  it('fails at start-up on a manifest entry whose id is not the sha256 of its text', () => {
    const id = `sha256:${sha256('{ a }')}`;
    expect(() => new PersistedDocumentStore({ manifest: { [id]: '{ b }' } })).toThrow(
      `Persisted documents manifest: id "${id}" is not the sha256 of its document (which is sha256:${sha256('{ b }')}); run \`npm run codegen\`.`,
    );
    expect(() => new PersistedDocumentStore({ manifest: { md5abc: '{ b }' } })).toThrow(
      'Persisted documents manifest: id "md5abc" is not "sha256:" followed by 64 lower-case hex digits.',
    );
  });
});

describe('PERSISTED_ONLY', () => {
  it('rejects an ad-hoc query with a clear error: 400, or 200 for application/json clients', async () => {
    const expected = { errors: [{ message: PERSISTED_ONLY_MESSAGE, extensions: { code: 'PERSISTED_QUERY_ONLY' } }] };
    expect(PERSISTED_ONLY_MESSAGE).toBe(
      'This server executes only persisted documents (PERSISTED_ONLY=true): send {"documentId": "sha256:<hash>"} ' +
        'with a hash from GET /api/v1/persisted-documents.json instead of query text.',
    );
    const query = '{ userProfile(userId: "u1") { email } }';
    expect(await post(only.endpoint, { query })).toEqual({ status: 400, type: 'application/graphql-response+json; charset=utf-8', body: expected });
    expect(await post(only.endpoint, { query }, 'application/json')).toMatchObject({ status: 200, body: expected });
    expect(await get(only.endpoint, { query })).toEqual({ status: 400, body: expected });
    expect(await post(only.endpoint, {})).toMatchObject({ status: 400 });
  });

  it('rejects APQ registration and keeps nothing', async () => {
    const query = '{ userProfile(userId: "u1") { email } }';
    const persistedQuery = { version: 1, sha256Hash: sha256(query) };
    expect(await post(only.endpoint, { query, extensions: { persistedQuery } })).toMatchObject({
      status: 400,
      body: { errors: [{ message: PERSISTED_ONLY_MESSAGE }] },
    });
    expect(await post(only.endpoint, { extensions: { persistedQuery } })).toMatchObject({ status: 404, body: { errors: [{ message: 'PersistedQueryNotFound' }] } });
    expect(only.server.engram.persistedDocuments.registeredCount).toBe(0);
  });

  it('runs the manifest\'s mutations by documentId, and refuses an ad-hoc mutation', async () => {
    const variables = { threadId: 't25-b', messages: [{ role: 'user', content: 'persisted mutation' }] };
    const answer = await post(only.endpoint, { documentId: documentIdOf(AppendMessagesDocument), variables });
    expect(answer).toMatchObject({ status: 200, body: { data: { appendMessages: { delivery: 'PENDING', replayed: false } } } });
    const adHoc = await post(only.endpoint, { query: 'mutation { appendMessages(threadId: "t25-b", messages: [{ role: user, content: "ad hoc" }]) { ids } }' });
    expect(adHoc).toMatchObject({ status: 400, body: { errors: [{ message: PERSISTED_ONLY_MESSAGE, extensions: { code: 'PERSISTED_QUERY_ONLY' } }] } });
  });

  it('accepts manifest documents by documentId and by APQ hash', async () => {
    const id = documentIdOf(UserProfileDocument);
    expect(await post(only.endpoint, { documentId: id, variables: { userId: 'u1' } })).toMatchObject({
      status: 200,
      body: { data: { userProfile: { displayName: 'Ada Lovelace' } } },
    });
    const sha256Hash = id.slice('sha256:'.length);
    expect(await get(only.endpoint, { variables: { userId: 'u1' }, extensions: { persistedQuery: { version: 1, sha256Hash } } })).toMatchObject({
      status: 200,
      body: { data: { userProfile: { displayName: 'Ada Lovelace' } } },
    });
  });

  it('does not serve GraphiQL (it could not run ad-hoc queries), and tells a browser why', async () => {
    const response = await fetch(only.endpoint, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain('<h1>Engram serves persisted documents only</h1>');
    expect(page).toContain('PERSISTED_ONLY=true');
    expect(page).not.toContain('graphiql');
  });

  it('is read from the environment, off by default, validated', () => {
    expect(loadConfig({}).persistedOnly).toBe(false);
    expect(loadConfig({ PERSISTED_ONLY: 'true' }).persistedOnly).toBe(true);
    expect(loadConfig({ PERSISTED_ONLY: '0' }).persistedOnly).toBe(false);
    expect(() => loadConfig({ PERSISTED_ONLY: 'yes' })).toThrow(
      'Invalid configuration:\n  - PERSISTED_ONLY: Invalid option: expected one of "0"|"1"|"true"|"false" (received "yes")',
    );
  });
});

describe('GET /api/v1/persisted-documents.json', () => {
  it('publishes the manifest that codegen wrote, with an ETag', async () => {
    const onDisk = JSON.parse(await readFile(new URL('../../src/generated/persisted-documents.json', import.meta.url), 'utf8'));
    const response = await fetch(`${open.server.url}/api/v1/persisted-documents.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const manifest = (await response.json()) as Record<string, string>;
    expect(manifest).toEqual(onDisk);
    expect(Object.keys(manifest)).toHaveLength(10);
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${sha256(text)}`);
    expect(Object.values(manifest).map((text) => /^(?:query|mutation) (\w+)/.exec(text)?.[1]).sort()).toEqual([
      'AddFacts',
      'AgentContext',
      'AgentContextBundle',
      'AppendMessages',
      'OutboxStatus',
      'SearchDocuments',
      'ThreadContext',
      'ThreadMessages',
      'UserFacts',
      'UserProfile',
    ]);

    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await fetch(`${open.server.url}/api/v1/persisted-documents.json`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });
});
