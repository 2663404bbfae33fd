import { setTimeout as sleep } from 'node:timers/promises';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineContext, id } from '../../../src/context/index.js';
import { demoContexts } from '../../../src/demo/index.js';
import { defineProvider, operationRef } from '../../../src/providers/index.js';
import { toPostgresEngramError, type EngramDatabase } from '../../../src/providers/postgres/index.js';
import { startEngramProcess, type EngramProcess } from '../../support/engram-process.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { startTestServer, type GraphQLBody, type TestServer } from '../../support/test-server.js';
import { startTestZep, type TestZep } from '../../support/test-zep.js';

/** A statement that holds its connection for 400 ms, so a terminated backend is surely checked out. */
function slowQueryProvider(db: EngramDatabase) {
  return defineProvider({
    name: 'slowpg',
    operations: {
      echo: {
        load: async (keys: readonly string[]) => {
          const { rows } = await db.executeQuery<{ id: string }>(
            CompiledQuery.raw('select k as id from unnest($1::text[]) k, pg_sleep(0.4)', [[...keys]]),
          );
          return keys.map((k) => rows.find((r) => r.id === k) ?? null);
        },
      },
    },
    mapError: (error, operation) => toPostgresEngramError(error, { provider: 'slowpg', operation }),
  });
}
const slowEcho = operationRef<string, { id: string } | null>('slowpg', 'echo');

const slowItem = defineContext({
  name: 'slowItem',
  description: 'An id echoed by a 400 ms statement.',
  args: z.object({ itemId: id() }),
  output: z.object({ id: id() }).nullable(),
  sources: (from) => [from(slowEcho, { key: (a) => a.itemId })],
  access: 'public',
});

// Postgres-served (userProfile, slowItem) and Zep-served (userFacts, threadContext) fields.
const QUERY = `query Mixed($u: ID!, $t: ID!, $i: ID!) {
  userProfile(userId: $u) { id }
  slowItem(itemId: $i) { id }
  userFacts(userId: $u, limit: 2) { fact }
  threadContext(threadId: $t) { context }
}`;

let database: TestDatabase;
let zep: TestZep;
let server: TestServer;
let admin: pg.Client;
let databaseName = '';

beforeAll(async () => {
  if (!realPostgres) return;
  [database, zep] = await Promise.all([createTestDatabase(), startTestZep()]);
  server = await startTestServer({
    db: database.db, pool: database.pool,
    zep: zep.options,
    definitions: [...demoContexts, slowItem],
    providers: [slowQueryProvider(database.db)],
  });
  // A connection of the test's own to the server's admin database: it acts only on backends of
  // the test's throw-away database, by name.
  admin = new pg.Client({ connectionString: process.env['TEST_DATABASE_URL'] });
  await admin.connect();
  databaseName = new URL(database.url ?? '').pathname.slice(1);
});

afterAll(async () => {
  await admin?.query(`alter database ${databaseName} allow_connections true`).catch(() => {});
  await admin?.end();
  await server?.close();
  await zep?.close();
  await database?.close();
});

async function ask(i: number): Promise<{ status: number; body: GraphQLBody }> {
  return server.graphql(QUERY, { u: `u${(i % 5) + 1}`, t: `t${(i % 5) + 1}`, i: `item-${i}` });
}

/** Terminates every backend of the test database; returns their pids. */
async function terminateBackends(): Promise<number[]> {
  // In the select list, so it runs only for the rows the filter kept.
  const { rows } = await admin.query<{ pid: number }>('select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [databaseName]);
  return rows.map((r) => r.pid);
}

function codesOf(body: GraphQLBody): string[] {
  return (body.errors ?? []).map((e) => String(e.extensions?.['code']));
}

// PGlite has no connections to lose: these suites need a real server (CI sets TEST_DATABASE_URL).
const realPostgres = process.env['TEST_DATABASE_URL'] !== undefined;
const needs = realPostgres ? '' : ' (skipped: needs TEST_DATABASE_URL)';

describe.skipIf(!realPostgres)(`PostgreSQL connection loss${needs}`, () => {
  it('fails only the fields in flight, as PROVIDER_UNAVAILABLE, while backends are terminated under load; the process lives on', async () => {
    const answers: Array<{ status: number; body: GraphQLBody }> = [];
    const terminated = new Set<number>();
    let stop = false;
    const clients = Array.from({ length: 6 }, async (_, c) => {
      for (let i = c; !stop && i < 600; i += 6) answers.push(await ask(i));
    });
    // Terminate every 150 ms for 3 s, while 6 clients keep the 4-connection pool busy.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      for (const pid of await terminateBackends()) terminated.add(pid);
      await sleep(150);
    }
    stop = true;
    await Promise.all(clients);

    expect(terminated.size).toBeGreaterThan(0);
    expect(answers.length).toBeGreaterThan(6);
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      // Only database fields fail, and only as unavailable; Zep-served fields keep their data.
      expect(codesOf(body).every((code) => code === 'PROVIDER_UNAVAILABLE')).toBe(true);
      for (const error of body.errors ?? []) expect(['userProfile', 'slowItem']).toContain(error.path?.[0]);
      expect(body.data?.['userFacts']).toHaveLength(2);
      expect(body.data?.['threadContext']).toMatchObject({ context: expect.any(String) });
    }
    // In-flight statements were hit (a 400 ms statement was always running somewhere).
    expect(answers.some(({ body }) => codesOf(body).includes('PROVIDER_UNAVAILABLE'))).toBe(true);

    // The pool replaced its connections: the next request succeeds, on backends that were never terminated.
    const after = await ask(1000);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data?.['userProfile']).toEqual({ id: 'u1' });
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [databaseName]);
    expect(rows.length).toBeGreaterThan(0);
    for (const { pid } of rows) expect(terminated.has(pid)).toBe(false);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('serves again within 2 s of the database accepting connections after an outage', async () => {
    // The outage: this database refuses new connections and loses its current ones.
    await admin.query(`alter database ${databaseName} allow_connections false`);
    await terminateBackends();
    try {
      const during = await ask(2000);
      expect(during.status).toBe(200);
      expect(codesOf(during.body)).toEqual(['PROVIDER_UNAVAILABLE', 'PROVIDER_UNAVAILABLE']);
      expect(during.body.data).toMatchObject({ userProfile: null, slowItem: null, userFacts: [{}, {}] });
    } finally {
      await admin.query(`alter database ${databaseName} allow_connections true`);
    }
    const accepting = performance.now();
    let recoveredAfterMs = Number.POSITIVE_INFINITY;
    while (performance.now() - accepting < 10_000) {
      const { body } = await ask(2001);
      if (!body.errors) {
        recoveredAfterMs = performance.now() - accepting;
        break;
      }
      await sleep(50);
    }
    expect(recoveredAfterMs).toBeLessThan(2000);
  });
});

describe.skipIf(!realPostgres)(`PostgreSQL connection loss under \`npm start\` (default settings)${needs}`, () => {
  let engram: EngramProcess;
  let name = '';

  beforeAll(async () => {
    // No cache: every request must reach the database (a cached or stale value would hide the outage).
    engram = await startEngramProcess({ env: { RATE_LIMIT_MAX: '0', CACHE: 'off' } });
    name = new URL(engram.database?.url ?? '').pathname.slice(1);
  });

  afterAll(async () => {
    await admin?.query(`alter database ${name} allow_connections true`).catch(() => {});
    await engram?.stop();
  });

  const post = async (i: number): Promise<{ status: number; body: GraphQLBody }> => {
    const response = await fetch(`${engram.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ userProfile(userId: "u1") { id } threadContext(threadId: "t1") { context } }', extensions: { i } }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLBody };
  };
  const kill = async (): Promise<number> =>
    (await admin.query('select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name])).rowCount ?? 0;

  it('keeps running, logs each lost connection and answers every request while backends are terminated', async () => {
    const statuses: number[] = [];
    const codes = new Set<string>();
    let stop = false;
    const clients = Array.from({ length: 6 }, async (_, c) => {
      for (let i = c; !stop && i < 3000; i += 6) {
        const { status, body } = await post(i);
        statuses.push(status);
        for (const code of codesOf(body)) codes.add(code);
      }
    });
    let killed = 0;
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      killed += await kill();
      await sleep(100);
    }
    stop = true;
    await Promise.all(clients);

    expect(killed).toBeGreaterThan(0);
    expect(engram.child.exitCode).toBeNull();
    expect(statuses.length).toBeGreaterThan(6);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect([...codes].filter((code) => code !== 'PROVIDER_UNAVAILABLE')).toEqual([]);
    expect(engram.output()).toContain('a PostgreSQL connection failed; the pool replaces it');
  });

  it('serves database fields again within 2 s of the database accepting connections', async () => {
    await admin.query(`alter database ${name} allow_connections false`);
    await kill();
    try {
      // Long enough for the breaker to open: recovery must include its half-open probe.
      for (let i = 0; i < 8; i++) {
        const { status, body } = await post(i);
        expect(status).toBe(200);
        expect(codesOf(body)).toEqual(['PROVIDER_UNAVAILABLE']);
        expect(body.data?.['threadContext']).toMatchObject({ context: expect.any(String) });
      }
    } finally {
      await admin.query(`alter database ${name} allow_connections true`);
    }
    const accepting = performance.now();
    let recoveredAfterMs = Number.POSITIVE_INFINITY;
    while (performance.now() - accepting < 10_000) {
      if (!(await post(0)).body.errors) {
        recoveredAfterMs = performance.now() - accepting;
        break;
      }
      await sleep(50);
    }
    expect(recoveredAfterMs).toBeLessThan(2000);
    expect(engram.child.exitCode).toBeNull();
  });
});
