import { describe, expect, it } from 'vitest';
import { unstorableField } from '../../../src/providers/postgres/index.js';
import { useTestStack } from '../../support/test-stack.js';

const stack = useTestStack();

/** Statements counted where they leave for the database. */
const statements = (): number => stack.database.statements();

describe('one bad key fails only its own field', () => {
  it('refuses a NUL byte in an ID argument with BAD_USER_INPUT on that alias; its neighbours are served by one statement', async () => {
    const before = statements();
    const { status, body } = await stack.server.graphql(
      'query ($bad: ID!) { a: userProfile(userId: "u1") { id } b: userProfile(userId: $bad) { id } c: userProfile(userId: "u2") { id } }',
      { bad: 'u\u00003' },
    );
    expect(status).toBe(200);
    expect(body.data).toEqual({ a: { id: 'u1' }, b: null, c: { id: 'u2' } });
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['b'],
        message: 'Invalid arguments for "userProfile": userId: must not contain control characters (U+0000–U+001F, U+007F).',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
    expect(statements() - before).toBe(1);
  });

  it('gives a key PostgreSQL cannot hold its own BAD_USER_INPUT, while the rest of its batch still runs as one statement', async () => {
    // Free text (not an ID) reaches the provider: the per-key check there is what protects the batch.
    const before = statements();
    const { status, body } = await stack.server.graphql(
      'query ($bad: String!) { good: searchDocuments(query: "batching", limit: 1) { title } bad: searchDocuments(query: $bad) { title } }',
      { bad: 'batch\u0000ing' },
    );
    expect(status).toBe(200);
    expect(body.data?.['bad']).toBeNull();
    expect(body.data?.['good']).toEqual([{ title: expect.any(String) }]);
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: ['bad'],
        message: 'Invalid key: query contains a NUL character (U+0000), which PostgreSQL text cannot hold.',
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', invalidArgs: [{ field: 'query', reason: 'contains a NUL character (U+0000), which PostgreSQL text cannot hold' }] }),
      }),
    ]);
    expect(statements() - before).toBe(1);
  });

  it('sends no statement when every key of a batch is refused', async () => {
    const before = statements();
    const { body } = await stack.server.graphql('query ($q: String!) { searchDocuments(query: $q) { title } }', { q: '\u0000' });
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(statements() - before).toBe(0);
  });

  it('finds the offending string anywhere in a key', () => {
    expect(unstorableField('fine')).toBeUndefined();
    expect(unstorableField({ userId: 'u1', limit: 3 })).toBeUndefined();
    expect(unstorableField('a\u0000b')).toEqual({ field: 'key', reason: 'contains a NUL character (U+0000), which PostgreSQL text cannot hold' });
    expect(unstorableField({ userId: 'u1', tags: ['ok', 'n\u0000o'] })?.field).toBe('tags.1');
  });
});
