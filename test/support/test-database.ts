import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seedDemo } from '../../src/demo/index.js';
import { migrateToLatest, openDatabase, type EngramDatabase, type OpenedDatabase } from '../../src/providers/postgres/index.js';

export interface TestDatabase {
  readonly db: EngramDatabase;
  /** `postgres` when TEST_DATABASE_URL is set (CI), `pglite` otherwise. */
  readonly kind: 'postgres' | 'pglite';
  /** The pg pool behind `db` on a real server (absent for PGlite). */
  readonly pool: pg.Pool | undefined;
  /**
   * Statements the database has received so far, counted where they leave for the server (every
   * pg client of the pool, or PGlite's query entry point), below any provider code: what tests
   * compare to prove batching, independently of the providers' own counters.
   */
  statements(): number;
  /** Connection URL of the throw-away database (real PostgreSQL only). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Counts the statements sent to the server, wrapping each client of the pool (or PGlite's `executeQuery`). */
function countStatements(opened: OpenedDatabase): () => number {
  let count = 0;
  if (opened.pool) {
    const pool = opened.pool;
    const wrapped = new WeakSet<pg.PoolClient>();
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const client = await connect();
      if (!wrapped.has(client)) {
        wrapped.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          count += 1;
          return query(...args);
        };
      }
      return client;
    };
  } else {
    const db = opened.db as unknown as { executeQuery: (...args: unknown[]) => Promise<unknown> };
    const executeQuery = db.executeQuery.bind(db);
    db.executeQuery = (...args: unknown[]) => {
      count += 1;
      return executeQuery(...args);
    };
  }
  return () => count;
}

/**
 * A migrated, seeded database for one test file (or script): a fresh database on the real server
 * at `adminUrl` (default TEST_DATABASE_URL; dropped afterwards), or an in-memory PGlite instance.
 */
export async function createTestDatabase(options: { seed?: boolean; migrate?: boolean; adminUrl?: string } = {}): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? process.env['TEST_DATABASE_URL'];
  let opened: OpenedDatabase;
  let url: string | undefined;
  let drop = async (): Promise<void> => {};
  if (adminUrl) {
    const name = `engram_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL is set but PostgreSQL is unreachable at ${adminUrl}: ${(error as Error).message}. Start it (see README) or unset TEST_DATABASE_URL to use PGlite.`);
    }
    await admin.query(`create database ${name}`);
    await admin.end();
    url = withDatabase(adminUrl, name);
    opened = await openDatabase({ url, poolSize: 4 });
    drop = async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    opened = await openDatabase({ pgliteDir: 'memory://' });
  }
  if (options.migrate ?? true) {
    await migrateToLatest(opened.db);
    if (options.seed ?? true) await seedDemo(opened.db);
  }
  const statements = countStatements(opened);
  return {
    db: opened.db,
    pool: opened.pool,
    statements,
    kind: opened.kind,
    url,
    close: async () => {
      await opened.close();
      await drop();
    },
  };
}
