import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ProviderRuntime } from '../../src/providers/index.js';
import { postgresProvider, type Database } from '../../src/providers/postgres/index.js';
import { BENCH_TENANT, PEER_SQL } from '../peers/index.js';

/** Whitespace-insensitive form of a statement: PostgreSQL parses both the same way. */
export const normalizeSql = (text: string): string => text.replace(/\s+/g, ' ').trim();

export interface SqlParity {
  readonly operation: keyof typeof PEER_SQL;
  readonly engram: string;
  readonly peer: string;
  readonly identical: boolean;
}

/**
 * Runs Engram's own Postgres provider once per operation with a logging Kysely and compares the SQL it
 * sent with the peers' statements, so that "the same batched SQL" is checked, not assumed.
 */
export async function checkSqlParity(databaseUrl: string): Promise<SqlParity[]> {
  const seen = new Map<string, string>();
  let current = '';
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (!seen.has(current)) seen.set(current, event.query.sql);
    },
  });
  try {
    // Without the pool: statements go through Kysely, whose log hook captures their text.
    const provider = new ProviderRuntime(postgresProvider({ db }));
    const context = { signal: new AbortController().signal, tenant: BENCH_TENANT };
    const probes: ReadonlyArray<readonly [keyof typeof PEER_SQL, readonly unknown[]]> = [
      ['userProfile', ['u1', 'u2']],
      ['userFacts', [{ userId: 'u1', limit: 2 }, { userId: 'u2', limit: 3 }]],
    ];
    const parity: SqlParity[] = [];
    for (const [operation, keys] of probes) {
      current = operation;
      const results = await provider.load(operation, keys, context);
      const failed = results.find((r) => r instanceof Error);
      if (failed instanceof Error) throw new Error(`Engram's postgres.${operation} failed while capturing its SQL: ${failed.message}`);
      const engram = normalizeSql(seen.get(operation) ?? '(no statement captured)');
      const peer = normalizeSql(PEER_SQL[operation]);
      parity.push({ operation, engram, peer, identical: engram === peer });
    }
    return parity;
  } finally {
    await db.destroy();
  }
}
