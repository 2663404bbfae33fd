import type { Migration } from 'kysely/migration';
import { initialSchema } from './2026-11-25T10-00-00-initial-schema.js';

/** All migrations, keyed by timestamped name (Kysely runs them in name order). */
export const migrations: Readonly<Record<string, Migration>> = {
  '2026-11-25T10-00-00-initial-schema': initialSchema,
};
