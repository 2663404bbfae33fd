import pg from 'pg';
import { seedDemo, type SeedCounts } from '../../src/demo/index.js';
import { migrateToLatest, openDatabase } from '../../src/providers/postgres/index.js';

export const BENCH_DATABASE = 'engram_bench';

export interface BenchDatabase {
  /** URL of the `engram_bench` database. */
  readonly url: string;
  readonly seeded: SeedCounts;
  /** `select version()` of the server. */
  readonly serverVersion: string;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates the dedicated database `engram_bench` on the server at `adminUrl` (kept between runs),
 * brings it to the latest migration and loads the demo seed (idempotent).
 */
export async function prepareBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${adminUrl} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it, or point BENCH_DATABASE_URL at a server where the user may create a database.',
    );
  }
  let serverVersion: string;
  try {
    const { rows } = await admin.query<{ exists: boolean; version: string }>(
      'select exists (select 1 from pg_database where datname = $1) as exists, version() as version',
      [BENCH_DATABASE],
    );
    serverVersion = rows[0]?.version ?? 'unknown';
    if (!rows[0]?.exists) await admin.query(`create database ${BENCH_DATABASE}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, BENCH_DATABASE);
  const database = await openDatabase({ url, poolSize: 2 });
  try {
    await migrateToLatest(database.db);
    const seeded = await seedDemo(database.db);
    return { url, seeded, serverVersion };
  } finally {
    await database.close();
  }
}
