import { CompiledQuery } from 'kysely';
import pg from 'pg';
import type { EngramDatabase } from './database.js';

export interface StatementOptions {
  /**
   * Each row as an array of its columns in select order: no object per row, for statements on
   * the hot path.
   */
  readonly rowMode?: 'array';
  /**
   * Sends the statement as this named prepared statement (unless the runner's `preparedStatements`
   * is off): each connection parses and plans it once. Only for a fixed text: every name is kept by
   * every connection for its whole life.
   */
  readonly name?: string;
  /**
   * Type parsers for this statement instead of the pool's (on a real server; PGlite ignores them),
   * e.g. `timestamptz` as ISO strings for values that only travel on as text.
   */
  readonly types?: pg.CustomTypesConfig;
}

/** Runs one statement; rejects when `signal` aborts, after asking the server to cancel it. */
export type StatementRunner = <R>(text: string, parameters: readonly unknown[], signal?: AbortSignal, options?: StatementOptions) => Promise<R[]>;

/** The error of a statement abandoned before it finished (timeout or a client that went away). */
export class StatementAbortedError extends Error {
  constructor() {
    super('The statement was abandoned (its batch timed out or its request was cancelled).');
    this.name = 'StatementAbortedError';
  }
}

const MAX_CANCELS_IN_FLIGHT = 4;
let cancelsInFlight = 0;

/**
 * Asks the server to cancel the statement running on backend `pid`, over a connection of its own:
 * the pool may be exhausted exactly when statements are slow. The backend is alive and still ours
 * (its client is released only after this returns), so the pid cannot name another session's.
 * Best effort: a failed request only means the statement runs until `statement_timeout`.
 */
async function cancelBackend(pool: pg.Pool, pid: number): Promise<void> {
  // A timeout storm must not open a connection per abandoned statement: past the cap, statements
  // are left to statement_timeout.
  if (cancelsInFlight >= MAX_CANCELS_IN_FLIGHT) return;
  cancelsInFlight += 1;
  const client = new pg.Client({ ...pool.options, statement_timeout: 2000 } as pg.ClientConfig);
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // The statement ends at statement_timeout instead.
  } finally {
    cancelsInFlight -= 1;
    await client.end().catch(() => {});
  }
}

/**
 * Cancels a statement's backend when its signal aborts. A listener object rather than a closure:
 * under tsx (keepNames) a named closure costs a defineProperty per statement.
 */
class BackendCanceller {
  readonly #pool: pg.Pool;
  readonly #pid: number;
  cancelling: Promise<void> | undefined;

  constructor(pool: pg.Pool, pid: number) {
    this.#pool = pool;
    this.#pid = pid;
  }

  handleEvent(): void {
    this.cancelling = cancelBackend(this.#pool, this.#pid);
  }
}

/**
 * How the Postgres provider sends its fixed statements. On a real server they go to the pg pool
 * directly (no query builder on the hot path) and honour the batch's abort signal: an abandoned
 * statement is cancelled on the server (`pg_cancel_backend`), so it neither keeps running nor holds
 * its connection. PGlite runs in-process, one statement at a time: there, statements go through
 * Kysely and an abort only stops waiting for the answer.
 */
export function createStatementRunner(source: {
  readonly db: EngramDatabase;
  readonly pool?: pg.Pool | undefined;
  /** Honour the `name` of statements (named prepared statements; see `PostgresProviderOptions`). @default true */
  readonly preparedStatements?: boolean | undefined;
}): StatementRunner {
  const { db, pool } = source;
  const prepared = source.preparedStatements ?? true;
  if (!pool) {
    return async <R>(text: string, parameters: readonly unknown[], signal?: AbortSignal, options?: StatementOptions): Promise<R[]> => {
      if (signal?.aborted) throw new StatementAbortedError();
      const { rows } = await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
      // Column names of the fixed statements are unique, so a row's values are its columns in order.
      return (options?.rowMode === 'array' ? rows.map((row) => Object.values(row as object)) : rows) as R[];
    };
  }
  return async <R>(text: string, parameters: readonly unknown[], signal?: AbortSignal, options?: StatementOptions): Promise<R[]> => {
    if (signal?.aborted) throw new StatementAbortedError();
    const client = await pool.connect();
    // Abandoned while waiting for a connection (its 'abort' has fired already): send nothing.
    if (signal?.aborted) {
      client.release();
      throw new StatementAbortedError();
    }
    let failed: Error | undefined;
    const canceller = new BackendCanceller(pool, (client as unknown as { processID: number }).processID);
    signal?.addEventListener('abort', canceller, { once: true });
    try {
      const name = prepared ? options?.name : undefined;
      const rowMode = options?.rowMode;
      const types = options?.types;
      const result = await client.query({ text, values: parameters as unknown[], ...(name ? { name } : {}), ...(rowMode ? { rowMode } : {}), ...(types ? { types } : {}) });
      return result.rows as R[];
    } catch (error) {
      failed = error instanceof Error ? error : new Error(String(error));
      throw canceller.cancelling ? new StatementAbortedError() : error;
    } finally {
      signal?.removeEventListener('abort', canceller);
      const { cancelling } = canceller;
      // The connection goes back only once the cancel request is done, so that it can never hit
      // the next statement run on this connection.
      if (cancelling) await cancelling;
      // A client whose connection failed (no SQLSTATE severity) is discarded, not returned to the pool.
      const broken = failed !== undefined && !cancelling && (failed as { severity?: unknown }).severity === undefined;
      client.release(broken ? failed : undefined);
    }
  };
}
