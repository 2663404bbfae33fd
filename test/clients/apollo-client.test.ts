import { createHash } from 'node:crypto';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentContextDocument, UserProfileDocument } from '../../src/generated/graphql.js';
import { recordingFetch, startClientStack, type ClientStack } from './client-stack.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let stack: ClientStack;

beforeAll(async () => {
  stack = await startClientStack();
});

afterAll(async () => {
  await stack?.close();
});

function apolloClient(options: { useGETForHashedQueries?: boolean } = {}) {
  const recorder = recordingFetch();
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      new PersistedQueryLink({ sha256, ...options }),
      new HttpLink({ uri: stack.endpoint, fetch: recorder.fetch }),
    ]),
  });
  return { client, exchanges: recorder.exchanges };
}

describe('Apollo Client 4 with PersistedQueryLink (Automatic Persisted Queries)', () => {
  it('misses, registers the query on retry, then sends the hash alone', async () => {
    const { client, exchanges } = apolloClient();
    const registered = stack.server.engram.persistedDocuments.registeredCount;

    const first = await client.query({ query: UserProfileDocument, variables: { userId: 'u1' }, fetchPolicy: 'network-only' });
    expect(first.data?.userProfile).toMatchObject({ id: 'u1', displayName: 'Ada Lovelace', email: 'ada@example.com' });

    // 1: hash only → PersistedQueryNotFound (404); 2: hash + query → registered and answered.
    expect(exchanges).toHaveLength(2);
    const [miss, register] = exchanges;
    const hash = miss?.params.extensions?.persistedQuery?.sha256Hash;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(miss).toMatchObject({ method: 'POST', status: 404 });
    expect(miss?.params.query).toBeUndefined();
    expect(register).toMatchObject({ method: 'POST', status: 200 });
    expect(register?.params.query).toContain('query UserProfile');
    expect(sha256(register?.params.query ?? '')).toBe(hash);
    expect(register?.params.extensions?.persistedQuery?.sha256Hash).toBe(hash);
    expect(stack.server.engram.persistedDocuments.registeredCount).toBe(registered + 1);

    // 3: hash only, now known.
    const second = await client.query({ query: UserProfileDocument, variables: { userId: 'u2' }, fetchPolicy: 'network-only' });
    expect(second.data?.userProfile?.id).toBe('u2');
    expect(exchanges).toHaveLength(3);
    expect(exchanges[2]).toMatchObject({ method: 'POST', status: 200 });
    expect(exchanges[2]?.params.query).toBeUndefined();
    expect(exchanges[2]?.params.extensions?.persistedQuery?.sha256Hash).toBe(hash);
  });

  it('sends hashed queries over GET when asked (cacheable URLs), falling back to POST to register', async () => {
    const { client, exchanges } = apolloClient({ useGETForHashedQueries: true });
    const variables = { userId: 'u1', threadId: 't1' };

    const first = await client.query({ query: AgentContextDocument, variables, fetchPolicy: 'network-only' });
    expect(first.data?.userProfile?.displayName).toBe('Ada Lovelace');
    expect(first.data?.threadMessages?.length).toBeGreaterThan(0);
    expect(exchanges.map((e) => [e.method, e.status, e.params.query === undefined])).toEqual([
      ['GET', 404, true],
      ['POST', 200, false],
    ]);

    await client.query({ query: AgentContextDocument, variables, fetchPolicy: 'network-only' });
    expect(exchanges.map((e) => [e.method, e.status, e.params.query === undefined])).toEqual([
      ['GET', 404, true],
      ['POST', 200, false],
      ['GET', 200, true],
    ]);
    // Apollo fills in the operation's default variables.
    expect(exchanges[2]?.params.variables).toEqual({ ...variables, factLimit: 5, lastN: 10 });
  });
});
