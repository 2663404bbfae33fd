export type { Database, EngramDatabase } from './database.js';
export { migrateToLatest, migrationStatus } from './migrate.js';
export type { MigrationStatus } from './migrate.js';
export { createPool } from './create-pool.js';
export type { PoolOptions } from './create-pool.js';
export { openDatabase } from './open-database.js';
export type { DatabaseOptions, OpenedDatabase } from './open-database.js';
export { postgresOps } from './postgres-operations.js';
export type {
  DocumentHit,
  DocumentSearchKey,
  FactRow,
  MessageRow,
  PendingThreadContextRow,
  ThreadFactsRow,
  ThreadMessagesKey,
  UserFactsKey,
  UserProfileRow,
} from './postgres-operations.js';
export { classifyPostgresFailure, toPostgresEngramError } from './postgres-failure.js';
export type { PostgresFailureKind } from './postgres-failure.js';
export { POSTGRES_PROVIDER_SQL, postgresProvider } from './postgres-provider.js';
export type { PostgresProviderOptions } from './postgres-provider.js';
export { createStatementRunner, StatementAbortedError } from './statement-runner.js';
export type { StatementOptions, StatementRunner } from './statement-runner.js';
export { unstorableField, withStorableKeys } from './storable-keys.js';
