import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database, EngramDatabase } from './database.js';

export type DatabaseOptions =
  | {
      /** A real PostgreSQL server (`postgres://…`). */
      readonly url: string;
      /** @default 10 */
      readonly poolSize?: number;
    }
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
  /** Closes the pool or the embedded instance. */
  close(): Promise<void>;
}

// Return int8 (counts) and numeric as JS numbers: values here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

export async function openDatabase(options: DatabaseOptions): Promise<OpenedDatabase> {
  if ('url' in options) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // An idle client that errors (server restart) must not crash the process.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  if (!options.pgliteDir.startsWith('memory://')) await mkdir(options.pgliteDir, { recursive: true });
  const pglite = await PGlite.create(options.pgliteDir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return { db, kind: 'pglite', close: () => db.destroy() };
}
