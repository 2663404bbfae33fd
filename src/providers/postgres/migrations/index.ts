import type { Migration } from 'kysely/migration';
import { initialSchema } from './2026-11-25T10-00-00-initial-schema.js';
import { tenancyAndApiKeys } from './2026-11-26T09-00-00-tenancy-and-api-keys.js';
import { writePath } from './2026-11-27T09-00-00-write-path.js';

/** All migrations, keyed by timestamped name (Kysely runs them in name order). */
export const migrations: Readonly<Record<string, Migration>> = {
  '2026-11-25T10-00-00-initial-schema': initialSchema,
  '2026-11-26T09-00-00-tenancy-and-api-keys': tenancyAndApiKeys,
  '2026-11-27T09-00-00-write-path': writePath,
};
