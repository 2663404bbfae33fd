import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeDemo, globexDemo } from '../../../src/demo/index.js';
import { ProviderRuntime } from '../../../src/providers/index.js';
import { postgresOps, postgresProvider } from '../../../src/providers/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

let database: TestDatabase;
let provider: ProviderRuntime;

beforeAll(async () => {
  database = await createTestDatabase();
  provider = new ProviderRuntime(postgresProvider({ db: database.db, pool: database.pool }));
});

afterAll(async () => {
  await database?.close();
});

/** Keys made of acme's ids and words, for every operation of the provider. */
const acmeKeys: Record<keyof typeof postgresOps, unknown[]> = {
  userProfile: acmeDemo.users.map((u) => u.id),
  userFacts: acmeDemo.users.map((u) => ({ userId: u.id, limit: 50 })),
  threadMessages: acmeDemo.threads.map((t) => ({ threadId: t.id, lastN: 100 })),
  pendingThreadMessages: acmeDemo.threads.map((t) => ({ threadId: t.id, lastN: 100 })),
  pendingThreadContext: acmeDemo.threads.map((t) => t.id),
  threadFacts: acmeDemo.threads.map((t) => t.id),
  threadOwner: acmeDemo.threads.map((t) => t.id),
  searchDocuments: acmeDemo.documents.flatMap((d) => [{ query: d.title, limit: 20 }, { query: d.body.split(' ').slice(0, 3).join(' '), limit: 20 }]),
};

/** Text that only acme's data contains (names, e-mails, message lines, facts, documents), not globex's. */
const globexText = JSON.stringify(globexDemo);
const acmeOnly = [
  ...acmeDemo.users.flatMap((u) => [u.firstName, u.lastName, u.email]),
  ...acmeDemo.facts.map((f) => f.fact),
  ...acmeDemo.messages.map((m) => m.content),
  ...acmeDemo.documents.map((d) => d.title),
].filter((text) => !globexText.includes(text));

async function run(tenant: string): Promise<Record<string, unknown[]>> {
  const signal = new AbortController().signal;
  const results: Record<string, unknown[]> = {};
  for (const [operation, keys] of Object.entries(acmeKeys)) {
    const answer = await provider.load(operation, keys, { signal, tenant });
    const failed = answer.find((r) => r instanceof Error);
    if (failed) throw failed;
    results[operation] = [...answer];
  }
  return results;
}

describe('Postgres provider: tenant isolation', () => {
  it('has a probe for every operation (a new operation must be added here)', () => {
    expect(Object.keys(acmeKeys).sort()).toEqual(Object.keys(postgresOps).sort());
  });

  it('finds acme\'s data with acme\'s ids as acme (the probes reach real rows)', async () => {
    const text = JSON.stringify(await run('acme'));
    const found = acmeOnly.filter((needle) => text.includes(needle));
    expect(found.length).toBeGreaterThan(acmeOnly.length * 0.9);
  });

  it('gives nothing of acme\'s to a tenant that has no data, for any operation', async () => {
    const results = await run('initech');
    for (const [operation, values] of Object.entries(results)) {
      // `false`: a pending-writes operation with nothing pending (it passes on to Zep).
      expect(values.every((v) => v === null || v === false || (Array.isArray(v) && v.length === 0)), operation).toBe(true);
    }
  });

  it('gives globex only globex\'s rows for acme\'s ids, for every operation', async () => {
    const results = await run('globex');
    for (const [operation, values] of Object.entries(results)) {
      const text = JSON.stringify(values);
      const leaked = acmeOnly.filter((needle) => text.includes(needle));
      expect(leaked, operation).toEqual([]);
    }
    // The same ids exist in globex: the answers are there, just not acme's.
    expect(results['userProfile']?.filter((v) => v !== null)).toHaveLength(acmeDemo.users.length);
  });
});
