import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngram, createStatementRunner, defineContext, defineProvider, id, type Engram } from '../../../src/index.js';
import { createPool, StatementAbortedError } from '../../../src/providers/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

// Cancellation is a server-side matter: PGlite runs one statement at a time, in-process.
const realPostgres = process.env['TEST_DATABASE_URL'] !== undefined;

let database: TestDatabase;
let admin: pg.Client;
let engram: Engram;
let url = '';
/** A pool of the test's own whose statement_timeout (60 s) outlasts every wait here. */
let pool: pg.Pool;

/** Statements of the test database still running `pg_sleep`, as the server reports them. */
async function activeSleeps(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    "select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and query like '%pg_sleep(30)%' and pid <> pg_backend_pid()",
  );
  return rows[0]?.n ?? 0;
}

/**
 * Waits (5 s at most) until no `pg_sleep(30)` is running. The pool's statement_timeout is 60 s, so
 * only the cancellation can end them in time: without it this fails.
 */
async function untilNoActiveSleeps(): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 5000) {
    if ((await activeSleeps()) === 0) return 0;
    await sleep(50);
  }
  return activeSleeps();
}

beforeAll(async () => {
  if (!realPostgres) return;
  database = await createTestDatabase({ seed: false });
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  pool = createPool({ url: database.url ?? '', poolSize: 2, statementTimeoutMs: 60_000 });
  const run = createStatementRunner({ db: database.db, pool });
  // A one-file provider on the same statement runner as the Postgres provider.
  const slow = defineProvider({
    name: 'slowpg',
    operations: {
      nap: {
        load: async (keys: readonly string[], { signal }) => {
          await run('select pg_sleep(30)', [], signal);
          return keys.map((key) => ({ id: key }));
        },
      },
    },
  });
  const nap = defineContext({
    name: 'nap',
    description: 'Answers after 30 s of pg_sleep.',
    args: z.object({ id: id() }),
    output: z.object({ id: id() }).nullable(),
    sources: (from) => [from(slow.ops.nap, { key: (a) => a.id, timeoutMs: 20_000 })],
    access: 'public',
  });
  engram = createEngram({
    providers: [slow],
    definitions: [nap],
    auth: { mode: 'off' },
    logger: false,
    cache: false,
    policy: { timeoutMs: 300, retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 1000 } },
  });
  await engram.app.listen({ port: 0, host: '127.0.0.1' });
  const address = engram.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await engram?.close();
  await pool?.end();
  await admin?.end();
  await database?.close();
});

describe.skipIf(!realPostgres)(`abandoned statements are cancelled on the server${realPostgres ? '' : ' (skipped: needs TEST_DATABASE_URL)'}`, () => {
  it('cancels a statement whose signal aborts, and its connection serves the next statement', async () => {
    const run = createStatementRunner({ db: database.db, pool });
    await expect(run('select pg_sleep(30)', [], AbortSignal.timeout(300))).rejects.toBeInstanceOf(StatementAbortedError);
    expect(await untilNoActiveSleeps()).toBe(0);
    expect(await run<{ one: number }>('select 1 as one', [])).toEqual([{ one: 1 }]);
  });

  it('a batch cut at its policy timeout answers PROVIDER_TIMEOUT and leaves no active backend behind', async () => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nap(id: "x") { id } }' }) });
    const body = (await response.json()) as { data: { nap: unknown }; errors: Array<{ extensions: { code: string } }> };
    expect(body.data.nap).toBeNull();
    expect(body.errors[0]?.extensions.code).toBe('PROVIDER_TIMEOUT');
    expect(await untilNoActiveSleeps()).toBe(0);
  });
});
