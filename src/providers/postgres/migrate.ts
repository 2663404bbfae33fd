import type { Kysely } from 'kysely';
import { Migrator, type MigrationResult } from 'kysely/migration';
import { migrations } from './migrations/index.js';
import { errorMessage } from '../../errors/index.js';

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

function migrator<DB>(db: Kysely<DB>): Migrator {
  // The migrator only touches its own tables and the migrations' DDL, whatever the schema type.
  return new Migrator({ db: db as unknown as Kysely<unknown>, provider: { getMigrations: async () => ({ ...migrations }) } });
}

/** Brings the schema to the latest migration; throws with the failing migration's name. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<readonly MigrationResult[]> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration "${failed}" failed: ${errorMessage(error)}`, { cause: error });
  }
  return results;
}

export async function migrationStatus<DB>(db: Kysely<DB>): Promise<MigrationStatus> {
  const all = await migrator(db).getMigrations();
  return {
    applied: all.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
