import { Client, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchDocumentsDocument, ThreadMessagesDocument, UserFactsDocument } from '../../src/generated/graphql.js';
import { documentIdOf, recordingFetch, startClientStack, type ClientStack } from './client-stack.js';

let stack: ClientStack;

beforeAll(async () => {
  stack = await startClientStack();
});

afterAll(async () => {
  await stack?.close();
});

function urqlClient(options: Parameters<typeof persistedExchange>[0] = {}) {
  const recorder = recordingFetch();
  const client = new Client({
    url: stack.endpoint,
    exchanges: [persistedExchange(options), fetchExchange],
    fetch: recorder.fetch,
    requestPolicy: 'network-only',
  });
  return { client, exchanges: recorder.exchanges };
}

describe('urql with persistedExchange', () => {
  it('misses, registers the query on retry, then sends the hash alone', async () => {
    const { client, exchanges } = urqlClient();
    const registered = stack.server.engram.persistedDocuments.registeredCount;

    const first = await client.query(ThreadMessagesDocument, { threadId: 't1', lastN: 3 }).toPromise();
    expect(first.error).toBeUndefined();
    expect(first.data?.threadMessages).toHaveLength(3);
    expect(exchanges).toHaveLength(2);
    const [miss, register] = exchanges;
    const hash = miss?.params.extensions?.persistedQuery?.sha256Hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    // urql sends hashed queries over GET while the URL is short enough.
    expect(miss).toMatchObject({ method: 'GET', status: 404 });
    expect(miss?.params.query).toBeUndefined();
    expect(register?.status).toBe(200);
    expect(register?.params.query).toContain('query ThreadMessages');
    expect(stack.server.engram.persistedDocuments.registeredCount).toBe(registered + 1);

    const second = await client.query(ThreadMessagesDocument, { threadId: 't1', lastN: 2 }).toPromise();
    expect(second.data?.threadMessages).toHaveLength(2);
    expect(exchanges).toHaveLength(3);
    expect(exchanges[2]).toMatchObject({ method: 'GET', status: 200 });
    expect(exchanges[2]?.params.query).toBeUndefined();
    expect(exchanges[2]?.params.extensions?.persistedQuery?.sha256Hash).toBe(hash);
  });

  it('hits the manifest at once with the hashes codegen embedded in the typed documents', async () => {
    const { client, exchanges } = urqlClient({
      enforcePersistedQueries: true,
      generateHash: async (_query, document) => documentIdOf(document).slice('sha256:'.length),
    });
    const registered = stack.server.engram.persistedDocuments.registeredCount;

    const facts = await client.query(UserFactsDocument, { userId: 'u1', limit: 2 }).toPromise();
    expect(facts.error).toBeUndefined();
    expect(facts.data?.userFacts).toHaveLength(2);
    const search = await client.query(SearchDocumentsDocument, { query: 'batching', limit: 1 }).toPromise();
    expect(search.error).toBeUndefined();
    expect(search.data?.searchDocuments).toHaveLength(1);

    expect(exchanges.map((e) => [e.method, e.status, e.params.query === undefined, e.params.extensions?.persistedQuery?.sha256Hash])).toEqual([
      ['GET', 200, true, documentIdOf(UserFactsDocument).slice('sha256:'.length)],
      ['GET', 200, true, documentIdOf(SearchDocumentsDocument).slice('sha256:'.length)],
    ]);
    expect(stack.server.engram.persistedDocuments.registeredCount).toBe(registered);
  });
});
