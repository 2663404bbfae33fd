import pg from 'pg';
import { parseTimestamptz, timestamptzIso } from './timestamptz.js';

/** Pool settings of a real PostgreSQL server; every one is explicit rather than pg's default. */
export interface PoolOptions {
  readonly url: string;
  /** @default 10 */
  readonly poolSize?: number;
  /**
   * How long a checkout may wait for a new connection before it fails (pg waits forever by default).
   * @default 5000
   */
  readonly connectTimeoutMs?: number;
  /**
   * A connection idle this long is closed (and replaced on demand).
   * @default 30000
   */
  readonly idleTimeoutMs?: number;
  /**
   * Server-side `statement_timeout`: PostgreSQL cancels a statement running this long, so a
   * stuck query frees its connection instead of holding it past every caller's deadline.
   * @default 5000
   */
  readonly statementTimeoutMs?: number;
  /**
   * Called once for each connection-level failure (a terminated backend, a failover, a reset):
   * the pool drops that connection and opens a new one on the next checkout.
   */
  readonly onConnectionError?: (error: Error) => void;
}

/**
 * Parsers of this pool's connections only: int8 (counts, ordinals) and numeric as JS numbers,
 * since values here stay far below 2^53, and timestamptz without regular expressions (the same
 * `Date`s). Per pool, so other `pg` users in the process keep theirs.
 */
function poolTypes(timestamptz: 'date' | 'iso' = 'date'): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  types.setTypeParser(pg.types.builtins.NUMERIC, (v: string) => Number(v));
  if (timestamptz === 'iso') types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, timestamptzIso);
  else types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);
  return types;
}

/**
 * The pool's parsers with `timestamptz` as ISO strings instead of `Date`s, for statements whose
 * timestamps only travel on as strings (the provider's fixed statements): no `Date` made and turned
 * back into text per value. Passed per query (`types`), so Kysely and the API key store keep `Date`s.
 */
export const ISO_TIMESTAMPTZ_TYPES: pg.CustomTypesConfig = poolTypes('iso');

/**
 * A `pg.Pool` that survives connection loss. pg-pool listens for `error` on a client only while
 * it is idle; a backend terminated while its client is checked out (by `pg_terminate_backend`, a
 * failover, an idle timeout on a proxy) emits `error` with no listener, which kills the process.
 * The pool's `connect` event fires once per physical connection, so a listener attached there
 * covers the connection for its whole life. The failed client is marked unusable by pg, so the
 * pool discards it on release; the query on it rejects, and its fields fail as unavailable.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const report = options.onConnectionError ?? (() => {});
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMs ?? 30_000,
    statement_timeout: options.statementTimeoutMs ?? 5000,
    // Detects a silently dead peer (no FIN, e.g. a failed-over host) on idle connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'engram',
    types: poolTypes(),
  });
  pool.on('connect', (client) => {
    client.on('error', (error) => report(error));
  });
  // The pool re-emits an idle client's error; the client's own listener above has reported it.
  pool.on('error', () => {});
  return pool;
}
