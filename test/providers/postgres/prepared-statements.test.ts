import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresProvider } from '../../../src/index.js';
import { createPool } from '../../../src/providers/postgres/index.js';
import { ProviderRuntime } from '../../../src/providers/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

// Prepared statements belong to a server session: PGlite has no pool and sends statements as they are.
const realPostgres = process.env['TEST_DATABASE_URL'] !== undefined;

let database: TestDatabase;

beforeAll(async () => {
  if (realPostgres) database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

/** Loads two batches of profiles on a one-connection pool and returns what that session has prepared. */
async function preparedAfterTwoBatches(preparedStatements: boolean | undefined): Promise<{ statements: string[]; names: Array<string | null> }> {
  const pool: pg.Pool = createPool({ url: database.url ?? '', poolSize: 1 });
  try {
    const provider = new ProviderRuntime(postgresProvider({ db: database.db, pool, ...(preparedStatements === undefined ? {} : { preparedStatements }) }));
    const context = { tenant: 'acme', signal: new AbortController().signal };
    const first = await provider.load('userProfile', ['u1', 'u2'], context);
    const second = await provider.load('userProfile', ['u3'], context);
    const names = [...first, ...second].map((row) => (row && typeof row === 'object' && 'firstName' in row ? String(row.firstName) : null));
    const { rows } = await pool.query<{ statement: string }>('select statement from pg_prepared_statements order by prepare_time');
    return { statements: rows.map((r) => r.statement), names };
  } finally {
    await pool.end();
  }
}

describe.skipIf(!realPostgres)(`named prepared statements${realPostgres ? '' : ' (skipped: needs TEST_DATABASE_URL)'}`, () => {
  it('prepares a fixed statement once per connection by default, and answers the same', async () => {
    const { statements, names } = await preparedAfterTwoBatches(undefined);
    expect(names).toEqual(['Ada', 'Grace', 'Alan']);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('from users u left join profiles p');
  });

  it('sends unnamed statements when turned off (poolers that cannot keep them)', async () => {
    const { statements, names } = await preparedAfterTwoBatches(false);
    expect(names).toEqual(['Ada', 'Grace', 'Alan']);
    expect(statements).toEqual([]);
  });
});
