import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { seedDemo } from '../../src/demo/index.js';
import { migrateToLatest, openDatabase, type EngramDatabase, type OpenedDatabase } from '../../src/providers/postgres/index.js';

export interface TestDatabase {
  readonly db: EngramDatabase;
  /** `postgres` when TEST_DATABASE_URL is set (CI), `pglite` otherwise. */
  readonly kind: 'postgres' | 'pglite';
  /** Connection URL of the throw-away database (real PostgreSQL only). */
  readonly url: string | undefined;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
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
  return {
    db: opened.db,
    kind: opened.kind,
    url,
    close: async () => {
      await opened.close();
      await drop();
    },
  };
}
