import { mkdir } from 'node:fs/promises';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { createPool, type PoolOptions } from './create-pool.js';
import type { Database, EngramDatabase } from './database.js';

export type DatabaseOptions =
  /** A real PostgreSQL server (`postgres://…`) and its pool settings. */
  | PoolOptions
  | {
      /**
       * Embedded PostgreSQL (PGlite): a data directory, reused across restarts,
       * or `memory://` for a throw-away instance.
       */
      readonly pgliteDir: string;
    };

export interface OpenedDatabase {
  readonly db: EngramDatabase;
  readonly kind: 'postgres' | 'pglite';
  /** The pg pool behind `db` on a real server (for `postgresProvider`: cancellable statements); absent for PGlite. */
  readonly pool?: pg.Pool;
  /** Closes the pool or the embedded instance. */
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<OpenedDatabase> {
  if ('url' in options) {
    const pool = createPool(options);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', pool, close: () => db.destroy() };
  }
  if (!options.pgliteDir.startsWith('memory://')) await mkdir(options.pgliteDir, { recursive: true });
  // Loaded for the embedded database only: a deployment on a PostgreSQL server never needs it.
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(options.pgliteDir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
