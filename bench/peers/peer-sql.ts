import { POSTGRES_PROVIDER_SQL } from '../../src/providers/postgres/index.js';

/**
 * The statements Engram's Postgres provider sends (see `src/providers/postgres/postgres-provider.ts`),
 * taken from the provider itself, for the peers. `checkSqlParity` compares them with what Engram really sends at the
 * start of every bench run.
 */
export const PEER_SQL = {
  /** $1: tenant, $2: user ids. One statement for a whole batch. */
  userProfile: POSTGRES_PROVIDER_SQL.userProfile,
  /** $1: tenant, $2: user ids, $3: limits (one per key). One statement for a whole batch. */
  userFacts: POSTGRES_PROVIDER_SQL.userFacts,
} as const;

/** The tenant every server reads (the demo's `acme`, seeded in both stores). */
export const BENCH_TENANT = 'acme';

/** Pool size of every server's pg pool (Engram's `DATABASE_POOL_SIZE` default) and of the ceiling loop. */
export const BENCH_POOL_SIZE = 10;

/** Zep call budget of Engram and the peers alike (Engram's config defaults). */
export const BENCH_ZEP_TUNING = { timeoutMs: 1500, maxRetries: 0, concurrency: 16 } as const;
